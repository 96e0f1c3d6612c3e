package modem

import "time"

// Encoder turns payloads into transmissions of one profile at one sample
// rate. It is safe for concurrent use.
type Encoder struct {
	p    Profile
	rate int
	tx   transmitter
}

// NewEncoder validates p at sampleRate and returns its encoder.
func NewEncoder(p Profile, sampleRate int) (*Encoder, error) {
	if err := p.Validate(sampleRate); err != nil {
		return nil, err
	}
	f, err := p.format()
	if err != nil {
		return nil, err
	}
	tx, err := f.newTransmitter(p, sampleRate)
	if err != nil {
		return nil, err
	}
	return &Encoder{p: p, rate: sampleRate, tx: tx}, nil
}

// Profile returns the encoder's profile.
func (e *Encoder) Profile() Profile { return e.p }

// SampleRate returns the encoder's sample rate in Hz.
func (e *Encoder) SampleRate() int { return e.rate }

// Airtime returns the duration of the transmission of an n-byte payload.
func (e *Encoder) Airtime(n int) time.Duration { return e.tx.airtime(n) }

// MaxPayload returns the longest payload the encoder takes, in bytes.
func (e *Encoder) MaxPayload() int { return e.tx.maxPayload() }

// Encode appends the transmission of payload (1 to [Encoder.MaxPayload]
// bytes) to dst, with no silence before or after. A payload of another
// length gives a [*PayloadLengthError].
func (e *Encoder) Encode(dst []float32, payload []byte) ([]float32, error) {
	if err := checkPayload(len(payload), e.tx.maxPayload()); err != nil {
		return dst, err
	}
	return e.tx.appendTo(dst, payload)
}
