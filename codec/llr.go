package codec

import "math"

// SymbolLLRs converts symbol log-likelihoods to bit LLRs. loglik holds, for
// each symbol, 2^bitsPerSymbol log-likelihoods, one per symbol value v (any
// common offset cancels). For each symbol it appends to dst bitsPerSymbol
// LLRs, most significant bit first: bit position p is bit k = b−1−p of v,
//
//	llr_p = log Σ_{v: bit k of v = 0} exp(loglik[v]) − log Σ_{v: bit k of v = 1} exp(loglik[v])
//
// computed with the maximum subtracted before exponentiating. This is the
// order [Decoder.Decode] expects. A trailing partial symbol is ignored, and
// an out-of-range bitsPerSymbol (not 1..8) appends nothing. Log-likelihoods
// of −Inf are allowed (a value that cannot occur); NaN gives NaN.
func SymbolLLRs(dst []float32, loglik []float32, bitsPerSymbol int) []float32 {
	b := bitsPerSymbol
	if b < 1 || b > 8 {
		return dst
	}
	m := 1 << b
	var w [256]float64
	for s := 0; s+m <= len(loglik); s += m {
		ll := loglik[s : s+m]
		top := math.Inf(-1)
		for _, x := range ll {
			top = max(top, float64(x))
		}
		if math.IsInf(top, 0) {
			// All values impossible, or some certain: no finite weights.
			for p := range b {
				dst = append(dst, float32(groupLSE(ll, b-1-p, 0)-groupLSE(ll, b-1-p, 1)))
			}
			continue
		}
		for v, x := range ll {
			w[v] = math.Exp(float64(x) - top)
		}
		for p := range b {
			k := b - 1 - p
			var s0, s1 float64
			for v := range m {
				if v>>k&1 == 0 {
					s0 += w[v]
				} else {
					s1 += w[v]
				}
			}
			var l0, l1 float64
			// A sum that underflowed is recomputed against its own maximum.
			if s0 > 1e-280 {
				l0 = top + math.Log(s0)
			} else {
				l0 = groupLSE(ll, k, 0)
			}
			if s1 > 1e-280 {
				l1 = top + math.Log(s1)
			} else {
				l1 = groupLSE(ll, k, 1)
			}
			dst = append(dst, float32(l0-l1))
		}
	}
	return dst
}

// groupLSE returns log Σ exp(ll[v]) over the values v whose bit k is bit.
func groupLSE(ll []float32, k, bit int) float64 {
	top := math.Inf(-1)
	for v, x := range ll {
		if v>>k&1 == bit {
			top = max(top, float64(x))
		}
	}
	if math.IsInf(top, 0) {
		return top
	}
	var s float64
	for v, x := range ll {
		if v>>k&1 == bit {
			s += math.Exp(float64(x) - top)
		}
	}
	return top + math.Log(s)
}
