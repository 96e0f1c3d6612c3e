//go:build !amd64

package fsk

// mixDump sets out[b] to the stage-1 sample of block b, as mixOne does.
func mixDump(out []complex64, x, mr, mi []float32, r, stride int) {
	for b := range out {
		out[b] = mixOne(x[b*r:b*r+r], mr[b*stride:b*stride+stride], mi[b*stride:b*stride+stride])
	}
}

// cdot is cdotScalar.
func cdot(z []complex64, dup, sgn []float32) (re, im float32) {
	return cdotScalar(z, dup, sgn)
}

// pairSum sets dst[q] = u[2q] + u[2q+1]; u holds at least 2·len(dst).
func pairSum(dst, u []complex64) {
	u = u[:2*len(dst)]
	for q := range dst {
		a, b := u[2*q], u[2*q+1]
		dst[q] = complex(real(a)+real(b), imag(a)+imag(b))
	}
}
