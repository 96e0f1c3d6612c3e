package modem

import "errors"

// Reed-Solomon over GF(2^8) as ggwave uses it: field polynomial
// x^8+x^4+x^3+x^2+1 (0x11d), generator α = 2 and first consecutive root
// α^0, so a codeword c (c[0] the highest-degree coefficient) of nsym parity
// bytes satisfies
//
//	c(α^j) = 0,  j = 0 … nsym−1
//
// The codeword is systematic: message bytes first, then parity.

var gfExp [512]byte
var gfLog [256]int

func init() {
	x := 1
	for i := 0; i < 255; i++ {
		gfExp[i] = byte(x)
		gfLog[x] = i
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11d
		}
	}
	for i := 255; i < len(gfExp); i++ {
		gfExp[i] = gfExp[i-255]
	}
}

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[gfLog[a]+gfLog[b]]
}

func gfDiv(a, b byte) byte {
	if a == 0 {
		return 0
	}
	return gfExp[gfLog[a]+255-gfLog[b]]
}

// gfPow returns α^e for any integer e.
func gfPow(e int) byte {
	e %= 255
	if e < 0 {
		e += 255
	}
	return gfExp[e]
}

// rsGenerator returns Π (x − α^i), i < nsym, highest-degree coefficient
// first.
func rsGenerator(nsym int) []byte {
	g := []byte{1}
	for i := 0; i < nsym; i++ {
		r := gfPow(i)
		ng := make([]byte, len(g)+1)
		for j, c := range g {
			ng[j] ^= c
			ng[j+1] ^= gfMul(c, r)
		}
		g = ng
	}
	return g
}

// rsEncode appends msg and its nsym parity bytes to dst.
func rsEncode(dst, msg []byte, nsym int) []byte {
	gen := rsGenerator(nsym)
	start := len(dst)
	dst = append(dst, msg...)
	dst = append(dst, make([]byte, nsym)...)
	work := dst[start:]
	rem := make([]byte, len(work))
	copy(rem, work)
	for i := range msg {
		c := rem[i]
		if c == 0 {
			continue
		}
		for j := 1; j < len(gen); j++ {
			rem[i+j] ^= gfMul(gen[j], c)
		}
	}
	copy(work[len(msg):], rem[len(msg):])
	return dst
}

var errRSUncorrectable = errors.New("modem: reed-solomon block is uncorrectable")

// rsDecoder corrects errors and erasures in place. Its scratch space is
// reused between calls; it is not safe for concurrent use.
type rsDecoder struct {
	synd, lambda, b, t, omega []byte
	fix                       []rsFix
}

type rsFix struct {
	pos int
	val byte
}

// decode corrects cw (nsym parity bytes at its end) in place, treating the
// positions in erase as erasures, and returns the number of symbols it
// changed. It fails unless 2·errors + erasures ≤ nsym − spare, so spare
// syndromes are left to check the result. On failure cw is unchanged.
func (d *rsDecoder) decode(cw []byte, nsym int, erase []int, spare int) (int, error) {
	n := len(cw)
	if n > 255 || nsym < 1 || nsym >= n || len(erase) > nsym-spare {
		return 0, errRSUncorrectable
	}
	d.synd = resize(d.synd, nsym)
	zero := true
	for j := 0; j < nsym; j++ {
		var s byte
		a := gfPow(j)
		for _, c := range cw {
			s = gfMul(s, a) ^ c
		}
		d.synd[j] = s
		if s != 0 {
			zero = false
		}
	}
	if zero {
		return 0, nil
	}
	// Errata locator Λ(x) = Π(1 − X_k x), lowest degree first, seeded with
	// the erasures, then extended by Berlekamp–Massey.
	d.lambda = resize(d.lambda, nsym+1)
	d.b = resize(d.b, nsym+1)
	d.t = resize(d.t, nsym+1)
	clear(d.lambda)
	d.lambda[0] = 1
	for _, pos := range erase {
		if pos < 0 || pos >= n {
			return 0, errRSUncorrectable
		}
		x := gfPow(n - 1 - pos)
		for i := nsym; i > 0; i-- {
			d.lambda[i] ^= gfMul(d.lambda[i-1], x)
		}
	}
	copy(d.b, d.lambda)
	s := len(erase)
	l := s
	for r := s + 1; r <= nsym; r++ {
		var delta byte
		for i := 0; i <= l && i < r; i++ {
			delta ^= gfMul(d.lambda[i], d.synd[r-1-i])
		}
		// b ← x·b
		copy(d.b[1:], d.b[:nsym])
		d.b[0] = 0
		if delta == 0 {
			continue
		}
		copy(d.t, d.lambda)
		for i := 0; i <= nsym; i++ {
			d.lambda[i] ^= gfMul(delta, d.b[i])
		}
		if 2*l <= r+s-1 {
			l = r + s - l
			inv := gfDiv(1, delta)
			for i := 0; i <= nsym; i++ {
				d.b[i] = gfMul(d.t[i], inv)
			}
		}
	}
	deg := 0
	for i := nsym; i >= 0; i-- {
		if d.lambda[i] != 0 {
			deg = i
			break
		}
	}
	if deg != l || 2*(l-s)+s > nsym-spare {
		return 0, errRSUncorrectable
	}
	// Ω(x) = S(x)·Λ(x) mod x^nsym.
	d.omega = resize(d.omega, nsym)
	for i := 0; i < nsym; i++ {
		var v byte
		for j := 0; j <= i && j <= deg; j++ {
			v ^= gfMul(d.lambda[j], d.synd[i-j])
		}
		d.omega[i] = v
	}
	d.fix = d.fix[:0]
	for pos := 0; pos < n; pos++ {
		xinv := gfPow(-(n - 1 - pos))
		// Λ(X⁻¹)
		var v, xp byte = 0, 1
		for i := 0; i <= deg; i++ {
			v ^= gfMul(d.lambda[i], xp)
			xp = gfMul(xp, xinv)
		}
		if v != 0 {
			continue
		}
		// Λ'(X⁻¹): odd terms only in characteristic 2.
		var dv byte
		xp = 1
		xinv2 := gfMul(xinv, xinv)
		for i := 1; i <= deg; i += 2 {
			dv ^= gfMul(d.lambda[i], xp)
			xp = gfMul(xp, xinv2)
		}
		var ov byte
		xp = 1
		for i := 0; i < nsym; i++ {
			ov ^= gfMul(d.omega[i], xp)
			xp = gfMul(xp, xinv)
		}
		if dv == 0 {
			return 0, errRSUncorrectable
		}
		// Forney with first root α^0: e = X·Ω(X⁻¹)/Λ'(X⁻¹).
		d.fix = append(d.fix, rsFix{pos, gfMul(gfPow(n-1-pos), gfDiv(ov, dv))})
	}
	if len(d.fix) != deg {
		return 0, errRSUncorrectable
	}
	for _, f := range d.fix {
		cw[f.pos] ^= f.val
	}
	for j := 0; j < nsym; j++ {
		var s byte
		a := gfPow(j)
		for _, c := range cw {
			s = gfMul(s, a) ^ c
		}
		if s != 0 {
			for _, f := range d.fix {
				cw[f.pos] ^= f.val
			}
			return 0, errRSUncorrectable
		}
	}
	return len(d.fix), nil
}
