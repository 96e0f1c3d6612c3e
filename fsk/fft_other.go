//go:build !amd64

package fsk

// radix4Stage runs one radix-4 stage (q ≥ 2) on every block of 4q in x.
func radix4Stage(x []complex64, q int, tw []complex64, vec []float32) {
	for s := 0; s < len(x); s += 4 * q {
		radix4Scalar(x[s:s+4*q], tw)
	}
}

// radix4Last runs the last radix-4 stage (blocks of four, unit twiddles).
func radix4Last(x []complex64) {
	for s := 0; s+3 < len(x); s += 4 {
		radix4(x[s:s+4:s+4], 0, 1)
	}
}

// radix2Last runs a final radix-2 stage on every pair.
func radix2Last(x []complex64) {
	for s := 0; s+1 < len(x); s += 2 {
		p, r := x[s], x[s+1]
		x[s], x[s+1] = complex(real(p)+real(r), imag(p)+imag(r)), complex(real(p)-real(r), imag(p)-imag(r))
	}
}
