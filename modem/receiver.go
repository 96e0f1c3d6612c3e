package modem

import (
	"sort"
	"time"
)

// Frame is one verified transmission found by a [Receiver].
type Frame struct {
	Payload     []byte        // verified payload; owned by the caller
	Profile     string        // name of the profile that carried it
	StartSample int64         // input sample where the transmission starts
	Start       time.Duration // StartSample as time from the first sample received
	SNR         float64       // estimated full-band SNR in dB
	SkewPPM     float64       // estimated clock skew of the sender, parts per million
	// EchoDB is how strongly the room rang on: the energy the frame's tones
	// still held one symbol after their own, relative to their own, in dB
	// (below −20 a dry path, near 0 a reverberant room), when EchoKnown.
	// Only profiles with hop sets measure it.
	EchoDB    float64
	EchoKnown bool
	// Hint is advice for the user when the frame came through with little
	// margin ("weak signal: turn the volume up or move closer", "strong
	// echoes: move closer to the sender"); empty when the margin is ample
	// or the profile cannot tell.
	Hint       string
	Unverified bool    // the family has no integrity check (Bell): the payload may hold errors
	done       float64 // input sample at which the frame completed (ordering)
}

// Stats counts what a receiver has seen. Candidates are preamble detections;
// only frames whose CRC verified are handed out.
type Stats struct {
	Candidates    int64 // preambles detected and examined
	HeaderErrors  int64 // candidates whose header failed its check
	PayloadErrors int64 // candidates whose header passed but the frame failed its CRC
	Frames        int64 // verified frames returned
	// Duplicates counts verified frames dropped because the same payload
	// of the same profile was already handed out for the same
	// transmission, found again by another path, skew or timing. Every
	// family counts them so; a Bell receiver frames each burst once, so
	// its count stays 0.
	Duplicates int64
}

// Receiver finds frames of one or more profiles in a stream of samples. Push
// samples in chunks of any size with [Receiver.Receive]: the frames found do
// not depend on how the stream was split. A Receiver is not safe for
// concurrent use.
type Receiver struct {
	rate  int
	dets  []detector // native lanes first, then the other families'
	stats Stats
	fresh []Frame
	zeros []float32
	fed   int64
}

// NewReceiver returns a receiver at sampleRate for the given profiles; with
// none, it listens for every profile of [AutoProfiles] that fits the sample
// rate. A sample rate outside 8000..192000 Hz, or one that no profile fits,
// gives a [*RateError].
func NewReceiver(sampleRate int, profiles ...Profile) (*Receiver, error) {
	if err := checkRate(sampleRate); err != nil {
		return nil, err
	}
	auto := len(profiles) == 0
	if auto {
		profiles = AutoProfiles()
	}
	r := &Receiver{rate: sampleRate}
	byFamily := make([][]Profile, len(formats))
	for _, p := range profiles {
		if err := p.Validate(sampleRate); err != nil {
			if auto {
				continue
			}
			return nil, err
		}
		byFamily[p.Family] = append(byFamily[p.Family], p)
	}
	for _, fam := range receiveOrder {
		ps := byFamily[fam]
		if len(ps) == 0 {
			continue
		}
		ds, err := formats[fam].newDetectors(ps, sampleRate, &r.stats)
		if err != nil {
			return nil, err
		}
		r.dets = append(r.dets, ds...)
	}
	if len(r.dets) == 0 {
		return nil, &RateError{Rate: sampleRate, Min: minRate, Max: maxRate, NoProfile: true}
	}
	return r, nil
}

// SampleRate returns the input sample rate in Hz.
func (r *Receiver) SampleRate() int { return r.rate }

// Profiles returns the profiles the receiver listens for.
func (r *Receiver) Profiles() []Profile {
	var ps []Profile
	for _, d := range r.dets {
		ps = append(ps, d.profiles()...)
	}
	return ps
}

// Stats returns the counters since the receiver was made or reset.
func (r *Receiver) Stats() Stats { return r.stats }

// Reset forgets all input and counters.
func (r *Receiver) Reset() {
	for _, d := range r.dets {
		d.reset()
	}
	r.stats = Stats{}
	r.fed = 0
}

// Receive consumes samples and appends the frames completed within them to
// dst, in the order they completed.
func (r *Receiver) Receive(dst []Frame, samples []float32) []Frame {
	r.fed += int64(len(samples))
	fresh := r.fresh[:0]
	for _, d := range r.dets {
		fresh = d.receive(fresh, samples)
	}
	if len(fresh) > 1 {
		sort.SliceStable(fresh, func(i, j int) bool { return fresh[i].done < fresh[j].done })
	}
	for i := range fresh {
		fresh[i].Start = time.Duration(float64(fresh[i].StartSample) / float64(r.rate) * float64(time.Second))
	}
	dst = append(dst, fresh...)
	clear(fresh)
	r.fresh = fresh[:0]
	return dst
}

// Flush marks the end of the stream: it pushes enough silence through the
// filters to finish a frame that ends right at the last sample, and appends
// what completes. Receive may be called again afterwards; the silence counts
// as input.
func (r *Receiver) Flush(dst []Frame) []Frame {
	n := 0
	for _, d := range r.dets {
		n = max(n, d.latency())
	}
	if cap(r.zeros) < n {
		r.zeros = make([]float32, n)
	}
	return r.Receive(dst, r.zeros[:n])
}
