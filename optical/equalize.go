package optical

// Decoding stage 6, the equaliser: a slow sensor smears each slot into the
// next; the smear is undone before the levels are read.

// smearsDecoded is how many of the smear factors are decoded with.
const smearsDecoded = 2

// smearTries are the values of r tried by equalize, from none upwards.
var smearTries = []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6}

// equalize undoes a first-order smear between successive slots of up on
// rising steps and down on falling ones,
//
//	v[n] = (1 − r)·x[n] + r·v[n−1]   ⇒   x[n] = (v[n] − r·v[n−1]) / (1 − r)
//
// writing x into dst's storage.
func equalize(dst, v []float64, up, down float64) []float64 {
	dst = append(dst[:0], v...)
	for n := len(v) - 1; n > 0; n-- {
		r := up
		if v[n] < v[n-1] {
			r = down
		}
		if r != 0 {
			dst[n] = (v[n] - r*v[n-1]) / (1 - r)
		}
	}
	return dst
}
