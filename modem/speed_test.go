package modem

import (
	"math/rand/v2"
	"testing"
)

func TestRowKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	buf := make([]complex64, 64)
	for i := range buf {
		buf[i] = complex(float32(rng.NormFloat64()), float32(rng.NormFloat64()))
	}
	for n := 1; n <= 23; n++ {
		idx := make([]int32, n)
		for j := range idx {
			idx[j] = int32(rng.IntN(len(buf)))
		}
		row := make([]float32, n)
		sum, mx := bandEnergies(row, buf, idx)
		var wantSum, wantMax float32
		for j, i := range idx {
			v := buf[i]
			e := real(v)*real(v) + imag(v)*imag(v)
			if row[j] != e {
				t.Fatalf("n=%d: row[%d] = %g, want %g", n, j, row[j], e)
			}
			wantSum += e
			wantMax = max(wantMax, e)
		}
		if sum != wantSum || mx != wantMax {
			t.Fatalf("n=%d: sum, max = %g, %g, want %g, %g", n, sum, mx, wantSum, wantMax)
		}
		want := append([]float32(nil), row...)
		clipped := make([]float32, n+3)
		scaleClip(row, clipped, 0.7, 1.5)
		for j, v := range want {
			e := v * 0.7
			if row[j] != e || clipped[j] != min(e, 1.5) {
				t.Fatalf("n=%d: bin %d scaled to %g, clipped to %g; want %g, %g", n, j, row[j], clipped[j], e, min(e, 1.5))
			}
		}
		if clipped[n] != 0 {
			t.Fatalf("n=%d: wrote past the row", n)
		}
	}
}
