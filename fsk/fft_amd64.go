package fsk

// radix4Stage runs one radix-4 stage (q ≥ 2) on every block of 4q in x.
func radix4Stage(x []complex64, q int, tw []complex64, vec []float32) {
	if q < 2 || len(vec) < 12*q || len(x)%(4*q) != 0 {
		for s := 0; s < len(x); s += 4 * q {
			radix4Scalar(x[s:s+4*q], tw)
		}
		return
	}
	radix4Pairs(x, q, vec)
}

// radix4Pairs is radix4Stage with SSE, two butterflies at a time.
//
//go:noescape
func radix4Pairs(x []complex64, q int, vec []float32)

// radix4Last runs the last radix-4 stage (blocks of four, unit twiddles).
//
//go:noescape
func radix4Last(x []complex64)

// radix2Last runs a final radix-2 stage on every pair.
//
//go:noescape
func radix2Last(x []complex64)
