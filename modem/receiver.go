package modem

import (
	"fmt"
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
	Duplicates    int64 // verified frames dropped as repeats of one already returned
}

// Receiver finds frames of one or more profiles in a stream of samples. Push
// samples in chunks of any size with [Receiver.Receive]: the frames found do
// not depend on how the stream was split. A Receiver is not safe for
// concurrent use.
type Receiver struct {
	rate  int
	lanes []*lane
	dets  []detector // families other than Native
	stats Stats
	fresh []Frame
	zeros []float32
	fed   int64
}

// detector finds the frames of a family other than Native.
type detector interface {
	receive(dst []Frame, samples []float32) []Frame
	latency() int
	reset()
	profiles() []Profile
}

// NewReceiver returns a receiver at sampleRate for the given profiles; with
// none, it listens for every profile of [AutoProfiles] that fits the sample
// rate.
func NewReceiver(sampleRate int, profiles ...Profile) (*Receiver, error) {
	if sampleRate < 8000 || sampleRate > 192000 {
		return nil, fmt.Errorf("modem: sample rate %d Hz is outside 8000..192000", sampleRate)
	}
	auto := len(profiles) == 0
	if auto {
		profiles = AutoProfiles()
	}
	r := &Receiver{rate: sampleRate}
	var gg []Profile
	for _, p := range profiles {
		if err := p.Validate(sampleRate); err != nil {
			if auto {
				continue
			}
			return nil, err
		}
		switch p.Family {
		case GGWave:
			gg = append(gg, p)
			continue
		case Bell:
			r.dets = append(r.dets, newBellReceiver(p, sampleRate, &r.stats))
			continue
		}
		l, err := newLane(p, sampleRate, &r.stats)
		if err != nil {
			return nil, err
		}
		r.lanes = append(r.lanes, l)
	}
	if len(gg) > 0 {
		// One detector shares its spectrogram among all ggwave protocols.
		r.dets = append(r.dets, newGGReceiver(gg, sampleRate, &r.stats))
	}
	if len(r.lanes)+len(r.dets) == 0 {
		return nil, fmt.Errorf("modem: no profile fits a sample rate of %d Hz", sampleRate)
	}
	return r, nil
}

// SampleRate returns the input sample rate in Hz.
func (r *Receiver) SampleRate() int { return r.rate }

// Profiles returns the profiles the receiver listens for.
func (r *Receiver) Profiles() []Profile {
	ps := make([]Profile, len(r.lanes))
	for i, l := range r.lanes {
		ps[i] = l.p
	}
	for _, d := range r.dets {
		ps = append(ps, d.profiles()...)
	}
	return ps
}

// Stats returns the counters since the receiver was made or reset.
func (r *Receiver) Stats() Stats { return r.stats }

// Reset forgets all input and counters.
func (r *Receiver) Reset() {
	for _, l := range r.lanes {
		l.reset()
	}
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
	for _, l := range r.lanes {
		fresh = l.receive(fresh, samples)
	}
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
	for _, l := range r.lanes {
		if d := l.latency(); d > n {
			n = d
		}
	}
	for _, d := range r.dets {
		n = max(n, d.latency())
	}
	if cap(r.zeros) < n {
		r.zeros = make([]float32, n)
	}
	return r.Receive(dst, r.zeros[:n])
}
