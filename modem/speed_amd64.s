#include "textflag.h"

// func bandEnergiesSSE(row []float32, buf []complex64, idx []int32) (sum, mx float32)
TEXT ·bandEnergiesSSE(SB), NOSPLIT, $0-80
	MOVQ  row_base+0(FP), DI
	MOVQ  row_len+8(FP), CX
	MOVQ  buf_base+24(FP), SI
	MOVQ  idx_base+48(FP), R8
	XORPS X0, X0
	XORPS X1, X1
	TESTQ CX, CX
	JZ    done

loop:
	MOVLQSX (R8), AX
	MOVSD   (SI)(AX*8), X2
	MULPS   X2, X2
	PSHUFD  $0x55, X2, X3
	ADDSS   X3, X2
	MOVSS   X2, (DI)
	ADDSS   X2, X0
	MAXSS   X2, X1
	ADDQ    $4, R8
	ADDQ    $4, DI
	DECQ    CX
	JNZ     loop

done:
	MOVSS X0, sum+72(FP)
	MOVSS X1, mx+76(FP)
	RET

// func scaleClipSSE(row, clipped []float32, inv, clip float32)
TEXT ·scaleClipSSE(SB), NOSPLIT, $0-56
	MOVQ   row_base+0(FP), DI
	MOVQ   row_len+8(FP), CX
	MOVQ   clipped_base+24(FP), SI
	MOVSS  inv+48(FP), X4
	SHUFPS $0x00, X4, X4
	MOVSS  clip+52(FP), X5
	SHUFPS $0x00, X5, X5
	MOVQ   CX, BX
	SHRQ   $2, BX
	JZ     tail

quad:
	MOVUPS (DI), X0
	MULPS  X4, X0
	MOVUPS X0, (DI)
	MINPS  X5, X0
	MOVUPS X0, (SI)
	ADDQ   $16, DI
	ADDQ   $16, SI
	DECQ   BX
	JNZ    quad

tail:
	ANDQ $3, CX
	JZ   end

one:
	MOVSS (DI), X0
	MULSS X4, X0
	MOVSS X0, (DI)
	MINSS X5, X0
	MOVSS X0, (SI)
	ADDQ  $4, DI
	ADDQ  $4, SI
	DECQ  CX
	JNZ   one

end:
	RET
