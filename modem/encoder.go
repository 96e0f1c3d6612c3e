package modem

import (
	"fmt"
	"time"

	"warble/codec"
	"warble/fsk"
)

// Encoder turns payloads into transmissions of one profile at one sample
// rate. It is safe for concurrent use.
type Encoder struct {
	p    Profile
	rate int
	mod  *fsk.Modulator
	code *codec.Code
	tx   transmitter // for families other than Native
	data []int       // the tones that carry data
}

// transmitter synthesises the transmissions of a family other than Native.
type transmitter interface {
	airtime(n int) time.Duration
	maxPayload() int
	appendTo(dst []float32, payload []byte) ([]float32, error)
}

// transmitter returns the synthesiser of a non-native profile.
func (p Profile) transmitter(sampleRate int) (transmitter, error) {
	switch p.Family {
	case GGWave:
		return &ggEncoder{g: p.GGWave, rate: sampleRate, amp: p.Amplitude}, nil
	case Bell:
		return &bellEncoder{b: p.Bell, rate: sampleRate, amp: p.Amplitude}, nil
	}
	return nil, fmt.Errorf("modem: profile %s: unknown family %d", p.Name, p.Family)
}

// NewEncoder validates p at sampleRate and returns its encoder.
func NewEncoder(p Profile, sampleRate int) (*Encoder, error) {
	if err := p.Validate(sampleRate); err != nil {
		return nil, err
	}
	if p.Family != Native {
		tx, err := p.transmitter(sampleRate)
		if err != nil {
			return nil, err
		}
		return &Encoder{p: p, rate: sampleRate, tx: tx}, nil
	}
	mod, err := fsk.NewModulator(p.Tones, sampleRate, p.Amplitude/float64(p.parallel()))
	if err != nil {
		return nil, err
	}
	code, err := codec.New(p.Code)
	if err != nil {
		return nil, err
	}
	return &Encoder{p: p, rate: sampleRate, mod: mod, code: code, data: p.dataTones()}, nil
}

// Profile returns the encoder's profile.
func (e *Encoder) Profile() Profile { return e.p }

// SampleRate returns the encoder's sample rate in Hz.
func (e *Encoder) SampleRate() int { return e.rate }

// Airtime returns the duration of the transmission of an n-byte payload.
func (e *Encoder) Airtime(n int) time.Duration {
	if e.tx != nil {
		return e.tx.airtime(n)
	}
	return time.Duration(len(e.p.Preamble)+e.p.slots(e.code.Symbols(n))) * e.p.Tones.Symbol
}

// MaxPayload returns the longest payload the encoder takes, in bytes.
func (e *Encoder) MaxPayload() int {
	if e.tx != nil {
		return e.tx.maxPayload()
	}
	return codec.MaxPayload
}

// Encode appends the transmission of payload (1 to [Encoder.MaxPayload]
// bytes) to dst, with no silence before or after.
func (e *Encoder) Encode(dst []float32, payload []byte) ([]float32, error) {
	if e.tx != nil {
		if len(payload) < 1 || len(payload) > e.tx.maxPayload() {
			return dst, fmt.Errorf("modem: payload of %d bytes is outside 1..%d", len(payload), e.tx.maxPayload())
		}
		return e.tx.appendTo(dst, payload)
	}
	if len(payload) < 1 || len(payload) > codec.MaxPayload {
		return dst, fmt.Errorf("modem: payload of %d bytes is outside 1..%d", len(payload), codec.MaxPayload)
	}
	syms, err := e.code.Encode(nil, payload)
	if err != nil {
		return dst, err
	}
	m := e.p.parallel()
	if m == 1 {
		tones := make([]int, 0, len(e.p.Preamble)+len(syms))
		tones = append(tones, e.p.Preamble...)
		for i, s := range syms {
			tones = append(tones, e.data[e.p.dataTone(i, int(s))])
		}
		return e.mod.Append(dst, tones)
	}
	// Parallel tones: one continuous-phase stream per group at 1/m of the
	// amplitude, summed. The streams play the preamble identically, so
	// there they add up to one tone at full amplitude.
	slots := e.p.slots(len(syms))
	tones := make([]int, len(e.p.Preamble)+slots)
	var sum, buf []float32
	for g := range m {
		copy(tones, e.p.Preamble)
		for j := range slots {
			i := j*m + g
			v := 0 // a slot's unused groups (only in the last) sound value 0
			if i < len(syms) {
				v = int(syms[i])
			}
			tones[len(e.p.Preamble)+j] = e.data[e.p.dataTone(j*m+g, v)]
		}
		var err error
		if buf, err = e.mod.Append(buf[:0], tones); err != nil {
			return dst, err
		}
		if sum == nil {
			sum = make([]float32, len(buf))
		}
		for k, x := range buf {
			sum[k] += x
		}
	}
	return append(dst, sum...), nil
}
