package optical

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Direct tests of the decoding stages; roundtrip_test.go covers them end
// to end.

func TestResampleAveragesAndInterpolates(t *testing.T) {
	// Bins of 1 s: bin 0 holds two samples, bin 1 none, bin 2 one.
	tr := Trace{T: []float64{0, 0.5, 2.2}, V: []float64{1, 3, 6}}
	got := resample(tr, 1)
	if len(got) != 3 {
		t.Fatalf("%d bins, want 3", len(got))
	}
	if got[0] != 2 || got[2] != 6 {
		t.Errorf("bins 0 and 2 = %g, %g, want the means 2 and 6", got[0], got[2])
	}
	// Bin 1's centre, 1.5 s, lies between the samples at 0.5 s (3) and
	// 2.2 s (6): 3 + (1/1.7)·3.
	if want := 3 + 3/1.7; math.Abs(got[1]-want) > 1e-12 {
		t.Errorf("empty bin 1 = %g, want %g interpolated", got[1], want)
	}
}

func TestRemoveToneTakesOutFlicker(t *testing.T) {
	const dt = 1.0 / 960
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, 960*2)
	data := make([]float64, len(x))
	for k := range x {
		data[k] = float64(k/64%2) * 0.3 // slow data-like steps
		x[k] = data[k] + 0.5*math.Sin(2*math.Pi*100.4*float64(k)*dt+0.7) + 0.01*rng.NormFloat64()
	}
	removeTone(x, dt, 97, 103)
	var resid float64
	m, md := mean(x), mean(data)
	for k := range x {
		d := (x[k] - m) - (data[k] - md)
		resid += d * d
	}
	if rms := math.Sqrt(resid / float64(len(x))); rms > 0.05 {
		t.Errorf("rms left after removing a 0.5 flicker = %.3f, want < 0.05", rms)
	}
}

func TestRemoveToneAtLeavesDataWithoutALine(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 2000
	tt := make([]float64, n)
	v := make([]float64, n)
	var t0 float64
	for k := range tt {
		t0 += 0.0008 + 0.0004*rng.Float64() // irregular sampling
		tt[k] = t0
		v[k] = float64(int(t0*30)%2) * 0.3
	}
	orig := append([]float64(nil), v...)
	removeToneAt(tt, v, 97, 103)
	for k := range v {
		if v[k] != orig[k] {
			t.Fatalf("sample %d changed from %g to %g with no flicker line present", k, orig[k], v[k])
		}
	}
	// With a strong line, it comes out.
	for k := range v {
		v[k] += 0.5 * math.Cos(2*math.Pi*120*tt[k])
	}
	removeToneAt(tt, v, 116, 124)
	var resid float64
	for k := range v {
		d := v[k] - orig[k]
		resid += d * d
	}
	if rms := math.Sqrt(resid / float64(n)); rms > 0.1 {
		t.Errorf("rms left after removing a 0.5 line at 120 Hz = %.3f, want < 0.1", rms)
	}
}

func TestRefreshClockAndSlots(t *testing.T) {
	// A display at 60.3 Hz showing a random level each refresh, its first
	// boundary 3.7 ms in, sampled in bins of 1/(60·binsPerSlot) s.
	const hz, phase = 60.3, 0.0037
	dt := 1 / (60.0 * binsPerSlot)
	rng := rand.New(rand.NewPCG(5, 6))
	levels := make([]float64, 200)
	for i := range levels {
		levels[i] = float64(rng.IntN(4))
	}
	x := make([]float64, int(3/dt))
	for k := range x {
		t := (float64(k)+0.5)*dt - phase
		i := int(math.Floor(t*hz)) + 1
		x[k] = levels[max(0, i)%len(levels)] + 0.05*rng.NormFloat64()
	}
	period, ph := refreshClock(x, dt, 60, true)
	if math.Abs(1/period-hz) > 0.02 {
		t.Errorf("refresh %.3f Hz, want %.3f", 1/period, hz)
	}
	if d := math.Abs(math.Remainder(ph-phase, period)); d > 0.1*period {
		t.Errorf("phase %.5f s, want %.5f (mod %.5f)", ph, phase, period)
	}
	s := slots(x, dt, period, ph)
	if len(s.v) < 150 {
		t.Fatalf("%d slots, want about 180", len(s.v))
	}
	for i, v := range s.v[:150] {
		if want := levels[(i+1)%len(levels)]; math.Abs(v-want) > 0.2 {
			t.Fatalf("slot %d = %.2f, want level %g", i, v, want)
		}
	}
}

func TestEqualizeUndoesSmear(t *testing.T) {
	x := []float64{0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0}
	for _, r := range [][2]float64{{0, 0}, {0.3, 0.3}, {0.4, 0.2}} {
		up, down := r[0], r[1]
		v := make([]float64, len(x))
		v[0] = x[0]
		for n := 1; n < len(x); n++ {
			rr := up
			if x[n] < v[n-1] {
				rr = down
			}
			v[n] = (1-rr)*x[n] + rr*v[n-1]
		}
		got := equalize(nil, v, up, down)
		for n := range x {
			if math.Abs(got[n]-x[n]) > 1e-12 {
				t.Errorf("up %g down %g: slot %d = %g, want %g", up, down, n, got[n], x[n])
			}
		}
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		x    []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{5, 1, 4}, 4}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(append([]float64(nil), c.x...)); got != c.want {
			t.Errorf("median(%v) = %g, want %g", c.x, got, c.want)
		}
	}
}
