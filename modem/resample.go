package modem

import "math"

// resampler converts a stream from one sample rate to another with a
// Kaiser-windowed sinc interpolator: output sample m sits at input time
// m·in/out and is
//
//	y[m] = Σ_i x[i]·fc·sinc(fc·(t_m − i))·w((t_m − i)/T)
//
// with fc = min(1, out/in)·0.94 of the input Nyquist and T input samples
// on either side. The kernel is tabulated at resPhases fractional offsets.
type resampler struct {
	in, out int64
	half    int       // T: taps on either side
	table   []float32 // (resPhases+1) rows of 2T taps
	hist    []float32 // input samples from histBase on
	base    int64     // input index of hist[0]
	fed     int64     // input samples received
	m       int64     // next output sample
}

const resPhases = 512

func newResampler(in, out int) *resampler {
	g := gcd(in, out)
	r := &resampler{in: int64(in / g), out: int64(out / g)}
	fc := 0.94 * math.Min(1, float64(out)/float64(in))
	r.half = int(math.Ceil(16 / math.Min(1, float64(out)/float64(in))))
	taps := 2 * r.half
	r.table = make([]float32, (resPhases+1)*taps)
	const beta = 8.0
	norm := bessel0(beta)
	for ph := 0; ph <= resPhases; ph++ {
		frac := float64(ph) / resPhases
		row := r.table[ph*taps : (ph+1)*taps]
		for k := range row {
			// tap k multiplies input floor(t)−half+1+k, at distance d
			d := frac + float64(r.half-1-k)
			u := d / float64(r.half)
			if math.Abs(u) >= 1 {
				continue
			}
			w := bessel0(beta*math.Sqrt(1-u*u)) / norm
			row[k] = float32(fc * sinc(fc*d) * w)
		}
	}
	return r
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

func bessel0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < 1e-12*sum {
			break
		}
	}
	return sum
}

// delay returns the input samples the resampler holds back.
func (r *resampler) delay() int { return r.half + 1 }

func (r *resampler) reset() {
	r.hist = r.hist[:0]
	r.base, r.fed, r.m = 0, 0, 0
}

// process appends the output samples that x completes to dst.
func (r *resampler) process(dst []float32, x []float32) []float32 {
	r.hist = append(r.hist, x...)
	r.fed += int64(len(x))
	taps := 2 * r.half
	for {
		num := r.m * r.in
		i := num / r.out
		if i+int64(r.half) >= r.fed {
			break
		}
		ph := int(((num%r.out)*resPhases + r.out/2) / r.out)
		first := i - int64(r.half) + 1
		row := r.table[ph*taps : (ph+1)*taps]
		var acc float32
		for k, c := range row {
			j := first + int64(k) - r.base
			if j >= 0 {
				acc += c * r.hist[j]
			}
		}
		dst = append(dst, acc)
		r.m++
	}
	// keep what the next output needs
	need := r.m*r.in/r.out - int64(r.half) + 1 - r.base
	if need > 4096 && need > int64(len(r.hist))/2 {
		n := copy(r.hist, r.hist[need:])
		r.hist = r.hist[:n]
		r.base += need
	}
	return dst
}
