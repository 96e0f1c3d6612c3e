package optical

// Decoding stage 1, resampling: a camera's or sensor's irregular samples
// averaged into bins of a fixed width.

// resample averages tr into bins of dt seconds from tr.T[0], filling empty
// bins by linear interpolation.
func resample(tr Trace, dt float64) []float64 {
	t0 := tr.T[0]
	nb := int((tr.T[len(tr.T)-1]-t0)/dt) + 1
	sum := make([]float64, nb)
	cnt := make([]int32, nb)
	for i, t := range tr.T {
		k := min(int((t-t0)/dt), nb-1)
		sum[k] += tr.V[i]
		cnt[k]++
	}
	j := 0 // tr.T[j] <= bin centre < tr.T[j+1] where possible
	for k := range sum {
		if cnt[k] > 0 {
			sum[k] /= float64(cnt[k])
			continue
		}
		c := t0 + (float64(k)+0.5)*dt
		for j+1 < len(tr.T)-1 && tr.T[j+1] <= c {
			j++
		}
		ta, tb := tr.T[j], tr.T[j+1]
		if tb <= ta {
			sum[k] = tr.V[j]
			continue
		}
		w := (c - ta) / (tb - ta)
		w = max(0, min(1, w))
		sum[k] = tr.V[j] + w*(tr.V[j+1]-tr.V[j])
	}
	return sum
}

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}
