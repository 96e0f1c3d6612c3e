package modem

// The ggwave receiver's de-duplication: one message found again, by the
// other path or at another timing, is handed out once.

import (
	"bytes"
)

// isRepeat reports whether f is the frame handed out last, found again,
// and remembers f.
func (r *ggReceiver) isRepeat(f Frame) bool {
	// The same message found again, by the other path or at another
	// timing, starts within half its airtime of the first finding; a
	// message sent again starts at least a whole airtime later.
	d := f.StartSample - r.last.StartSample
	tol := int64(r.rate / 10)
	if p, err := Lookup(f.Profile); err == nil {
		if a, err := p.Airtime(len(f.Payload)); err == nil {
			tol = max(tol, int64(a.Seconds()*float64(r.rate)/2))
		}
	}
	same := r.last.Payload != nil && f.Profile == r.last.Profile && bytes.Equal(f.Payload, r.last.Payload) &&
		d > -tol && d < tol
	// The caller owns f.Payload: keep a copy.
	r.last.Payload = append(r.last.Payload[:0], f.Payload...)
	r.last.Profile, r.last.StartSample = f.Profile, f.StartSample
	return same
}
