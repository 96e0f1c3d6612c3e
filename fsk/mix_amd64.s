#include "textflag.h"

// func mixDump(out []complex64, x, mr, mi []float32, r, stride int)
TEXT ·mixDump(SB), NOSPLIT, $0-112
	MOVQ out_base+0(FP), DI
	MOVQ out_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	MOVQ mr_base+48(FP), R8
	MOVQ mi_base+72(FP), R9
	MOVQ r+96(FP), R10
	SHLQ $2, R10
	MOVQ stride+104(FP), R11
	TESTQ CX, CX
	JZ    done
	CMPQ  R11, $8
	JEQ   block8
	CMPQ  R11, $4
	JEQ   block4
	SHRQ  $2, R11

block:
	XORPS X2, X2
	XORPS X4, X4
	MOVQ  SI, AX
	MOVQ  R11, DX

vec:
	MOVUPS (AX), X0
	MOVUPS (R8), X1
	MULPS  X0, X1
	ADDPS  X1, X2
	MOVUPS (R9), X3
	MULPS  X0, X3
	ADDPS  X3, X4
	ADDQ   $16, AX
	ADDQ   $16, R8
	ADDQ   $16, R9
	DECQ   DX
	JNZ    vec

	// [s0 s1 s2 s3], [t0 t1 t2 t3] -> (s0+s2)+(s1+s3), (t0+t2)+(t1+t3)
	MOVAPS   X2, X6
	UNPCKLPS X4, X2
	UNPCKHPS X4, X6
	ADDPS    X6, X2
	MOVHLPS  X2, X6
	ADDPS    X6, X2
	MOVSD    X2, (DI)
	ADDQ     $8, DI
	ADDQ     R10, SI
	DECQ     CX
	JNZ      block
	RET

block8:
	MOVUPS   (SI), X0
	MOVUPS   16(SI), X5
	MOVUPS   (R8), X2
	MOVUPS   16(R8), X1
	MULPS    X0, X2
	MULPS    X5, X1
	ADDPS    X1, X2
	MOVUPS   (R9), X4
	MOVUPS   16(R9), X3
	MULPS    X0, X4
	MULPS    X5, X3
	ADDPS    X3, X4
	MOVAPS   X2, X6
	UNPCKLPS X4, X2
	UNPCKHPS X4, X6
	ADDPS    X6, X2
	MOVHLPS  X2, X6
	ADDPS    X6, X2
	MOVSD    X2, (DI)
	ADDQ     $8, DI
	ADDQ     R10, SI
	ADDQ     $32, R8
	ADDQ     $32, R9
	DECQ     CX
	JNZ      block8
	RET

block4:
	MOVUPS   (SI), X0
	MOVUPS   (R8), X2
	MULPS    X0, X2
	MOVUPS   (R9), X4
	MULPS    X0, X4
	MOVAPS   X2, X6
	UNPCKLPS X4, X2
	UNPCKHPS X4, X6
	ADDPS    X6, X2
	MOVHLPS  X2, X6
	ADDPS    X6, X2
	MOVSD    X2, (DI)
	ADDQ     $8, DI
	ADDQ     R10, SI
	ADDQ     $16, R8
	ADDQ     $16, R9
	DECQ     CX
	JNZ      block4

done:
	RET

// func cdot(z []complex64, dup, sgn []float32) (re, im float32)
TEXT ·cdot(SB), NOSPLIT, $0-80
	MOVQ  z_base+0(FP), DI
	MOVQ  z_len+8(FP), CX
	MOVQ  dup_base+24(FP), SI
	MOVQ  sgn_base+48(FP), DX
	XORPS X0, X0
	XORPS X1, X1
	MOVQ  CX, BX
	SHRQ  $1, BX
	JZ    tail

pairs:
	MOVUPS (DI), X2
	PSHUFD $0xB1, X2, X3
	MOVUPS (SI), X4
	MOVUPS (DX), X5
	MULPS  X4, X2
	MULPS  X5, X3
	ADDPS  X2, X0
	ADDPS  X3, X1
	ADDQ   $16, DI
	ADDQ   $16, SI
	ADDQ   $16, DX
	DECQ   BX
	JNZ    pairs

tail:
	ANDQ   $1, CX
	JZ     sum
	MOVSD  (DI), X2
	PSHUFD $0xB1, X2, X3
	MOVSD  (SI), X4
	MOVSD  (DX), X5
	MULPS  X4, X2
	MULPS  X5, X3
	ADDPS  X2, X0
	ADDPS  X3, X1

sum:
	ADDPS   X1, X0
	MOVAPS  X0, X6
	MOVHLPS X0, X6
	ADDPS   X6, X0
	MOVSS   X0, re+72(FP)
	PSHUFD  $0x55, X0, X0
	MOVSS   X0, im+76(FP)
	RET

// func pairSum(dst, u []complex64)
TEXT ·pairSum(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ u_base+24(FP), SI
	MOVQ CX, BX
	SHRQ $1, BX
	JZ   one

two:
	MOVUPS  (SI), X0   // [u0, u1]
	MOVUPS  16(SI), X1 // [u2, u3]
	MOVAPS  X0, X2
	MOVLHPS X1, X0     // [u0, u2]
	MOVHLPS X2, X1     // [u1, u3]
	ADDPS   X1, X0
	MOVUPS  X0, (DI)
	ADDQ    $32, SI
	ADDQ    $16, DI
	DECQ    BX
	JNZ     two

one:
	ANDQ    $1, CX
	JZ      end
	MOVUPS  (SI), X0
	MOVAPS  X0, X1
	MOVHLPS X0, X1
	ADDPS   X1, X0
	MOVSD   X0, (DI)

end:
	RET
