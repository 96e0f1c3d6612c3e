#include "textflag.h"

// Flips the sign of the imaginary parts of two complex64.
DATA conjmask<>+0(SB)/4, $0x00000000
DATA conjmask<>+4(SB)/4, $0x80000000
DATA conjmask<>+8(SB)/4, $0x00000000
DATA conjmask<>+12(SB)/4, $0x80000000
GLOBL conjmask<>(SB), RODATA|NOPTR, $16

// func radix4Pairs(x []complex64, q int, vec []float32)
// Every block of 4q in x, two butterflies at a time.
TEXT ·radix4Pairs(SB), NOSPLIT, $0-56
	MOVQ   x_base+0(FP), DI
	MOVQ   x_len+8(FP), DX
	MOVQ   q+24(FP), CX
	MOVQ   CX, BX
	SHLQ   $3, BX
	MOVQ   BX, AX
	SHLQ   $2, AX
	MOVQ   AX, R11
	MOVQ   DX, AX
	SHLQ   $3, AX
	XORQ   DX, DX
	DIVQ   R11          // AX = blocks
	MOVQ   AX, R12
	SHRQ   $1, CX
	MOVQ   CX, R13      // pairs per block
	MOVUPS conjmask<>(SB), X15
	TESTQ  R12, R12
	JZ     done

block:
	MOVQ vec_base+32(FP), SI
	LEAQ (DI)(BX*1), R8
	LEAQ (R8)(BX*1), R9
	LEAQ (R9)(BX*1), R10
	MOVQ R13, CX

loop:
	MOVUPS (DI), X0  // p
	MOVUPS (R8), X1  // r
	MOVUPS (R9), X2  // u
	MOVUPS (R10), X3 // v
	MOVAPS X0, X4
	ADDPS  X2, X4    // b0 = p+u
	SUBPS  X2, X0    // b1 = p−u
	MOVAPS X1, X5
	ADDPS  X3, X5    // b2 = r+v
	SUBPS  X3, X1    // b3 = r−v
	PSHUFD $0xB1, X1, X1
	XORPS  X15, X1   // −j·b3
	MOVAPS X4, X6
	ADDPS  X5, X6    // b0+b2
	MOVUPS X6, (DI)
	SUBPS  X5, X4    // b0−b2
	MOVAPS X0, X7
	ADDPS  X1, X7    // b1 − j·b3
	SUBPS  X1, X0    // b1 + j·b3

	// a1 = (b0−b2)·W^2k
	PSHUFD $0xB1, X4, X8
	MOVUPS 32(SI), X9
	MOVUPS 48(SI), X10
	MULPS  X9, X4
	MULPS  X10, X8
	ADDPS  X8, X4
	MOVUPS X4, (R8)

	// a2 = (b1 − j·b3)·W^k
	PSHUFD $0xB1, X7, X8
	MOVUPS 0(SI), X9
	MOVUPS 16(SI), X10
	MULPS  X9, X7
	MULPS  X10, X8
	ADDPS  X8, X7
	MOVUPS X7, (R9)

	// a3 = (b1 + j·b3)·W^3k
	PSHUFD $0xB1, X0, X8
	MOVUPS 64(SI), X9
	MOVUPS 80(SI), X10
	MULPS  X9, X0
	MULPS  X10, X8
	ADDPS  X8, X0
	MOVUPS X0, (R10)

	ADDQ $16, DI
	ADDQ $16, R8
	ADDQ $16, R9
	ADDQ $16, R10
	ADDQ $96, SI
	DECQ CX
	JNZ  loop
	MOVQ R10, DI
	DECQ R12
	JNZ  block

done:
	RET

// Flips the sign of the second of two complex64.
DATA negmask<>+0(SB)/4, $0x00000000
DATA negmask<>+4(SB)/4, $0x00000000
DATA negmask<>+8(SB)/4, $0x80000000
DATA negmask<>+12(SB)/4, $0x80000000
GLOBL negmask<>(SB), RODATA|NOPTR, $16

// func radix4Last(x []complex64)
// Unit-twiddle radix-4 butterflies on every block of four.
TEXT ·radix4Last(SB), NOSPLIT, $0-24
	MOVQ   x_base+0(FP), DI
	MOVQ   x_len+8(FP), CX
	SHRQ   $2, CX
	JZ     done4
	MOVUPS conjmask<>(SB), X15
	MOVUPS negmask<>(SB), X14

loop4:
	MOVUPS  (DI), X0   // [p, r]
	MOVUPS  16(DI), X1 // [u, v]
	MOVAPS  X0, X2
	ADDPS   X1, X2     // [b0, b2]
	SUBPS   X1, X0     // [b1, b3]
	MOVAPS  X2, X3
	MOVLHPS X3, X3     // [b0, b0]
	MOVHLPS X2, X2     // [b2, b2]
	XORPS   X14, X2    // [b2, −b2]
	ADDPS   X3, X2     // [b0+b2, b0−b2]
	MOVUPS  X2, (DI)
	MOVAPS  X0, X4
	MOVLHPS X4, X4     // [b1, b1]
	MOVHLPS X0, X0     // [b3, b3]
	PSHUFD  $0xB1, X0, X0
	XORPS   X15, X0    // [−j·b3, −j·b3]
	XORPS   X14, X0    // [−j·b3, j·b3]
	ADDPS   X4, X0     // [b1 − j·b3, b1 + j·b3]
	MOVUPS  X0, 16(DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     loop4

done4:
	RET

// func radix2Last(x []complex64)
// Radix-2 butterflies on every pair.
TEXT ·radix2Last(SB), NOSPLIT, $0-24
	MOVQ   x_base+0(FP), DI
	MOVQ   x_len+8(FP), CX
	SHRQ   $1, CX
	JZ     done2
	MOVUPS negmask<>(SB), X14

loop2:
	MOVUPS  (DI), X0 // [p, r]
	MOVAPS  X0, X1
	MOVLHPS X1, X1   // [p, p]
	MOVHLPS X0, X0   // [r, r]
	XORPS   X14, X0  // [r, −r]
	ADDPS   X1, X0
	MOVUPS  X0, (DI)
	ADDQ    $16, DI
	DECQ    CX
	JNZ     loop2

done2:
	RET
