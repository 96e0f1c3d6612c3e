package fsk

// mixDump sets out[b] = Σ_{i<stride} x[b·r+i]·(mr + j·mi)[b·stride+i] for
// each b, with SSE: four running lanes per block, then (s0+s2)+(s1+s3). It
// reads x up to (len(out)−1)·r + stride.
//
//go:noescape
func mixDump(out []complex64, x, mr, mi []float32, r, stride int)

// cdot is cdotScalar with SSE, two samples at a time.
//
//go:noescape
func cdot(z []complex64, dup, sgn []float32) (re, im float32)

// pairSum sets dst[q] = u[2q] + u[2q+1]; u holds at least 2·len(dst).
//
//go:noescape
func pairSum(dst, u []complex64)
