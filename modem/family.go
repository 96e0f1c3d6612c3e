package modem

import (
	"fmt"
	"time"
)

// A format is the behaviour of one [Family]: everything about a profile
// that depends on its wire format goes through the family's format value,
// so a new family is a new file implementing format, a new [Family]
// constant and one entry in formats, not a case in a switch.
//
// Each family lives in its own file: native.go (warble's own profiles),
// ggwave.go (ggwave 0.4.0) and bell.go (Bell 103/202).
type format interface {
	// validate checks the family's own fields of p at sampleRate, after
	// [Profile.Validate] has checked what every family shares.
	validate(p Profile, sampleRate int) error
	// airtime returns the duration of an n-byte transmission of p.
	airtime(p Profile, n int) (time.Duration, error)
	// bandHz returns p's lowest and highest tone.
	bandHz(p Profile) (lo, hi float64)
	// newTransmitter returns the synthesiser of p, already validated, at
	// sampleRate.
	newTransmitter(p Profile, sampleRate int) (transmitter, error)
	// newDetectors returns the detectors that find the frames of ps, all
	// of this family and already validated, at sampleRate: one per
	// profile, or one shared by several. They count what they see in
	// stats.
	newDetectors(ps []Profile, sampleRate int, stats *Stats) ([]detector, error)
}

// formats holds the format of each family.
var formats = [...]format{
	Native: nativeFormat{},
	GGWave: ggFormat{},
	Bell:   bellFormat{},
}

// receiveOrder is the order in which a [Receiver] builds, runs and lists
// the detectors of each family.
var receiveOrder = [...]Family{Native, Bell, GGWave}

// format returns the format of p's family.
func (p Profile) format() (format, error) {
	if p.Family < 0 || int(p.Family) >= len(formats) || formats[p.Family] == nil {
		return nil, fmt.Errorf("modem: profile %s: unknown family %d", p.Name, p.Family)
	}
	return formats[p.Family], nil
}

// detector finds the frames of one or more profiles of one family in a
// stream of samples. Every family's detector keeps [Stats] with the same
// meaning and hands out a payload it found once only, however many of its
// paths found it.
type detector interface {
	// receive consumes samples and appends the frames completed within
	// them to dst, each with done set to the input sample at which it
	// completed.
	receive(dst []Frame, samples []float32) []Frame
	// latency returns the samples of silence that finish a frame ending
	// at the last sample received.
	latency() int
	// reset forgets all input.
	reset()
	// profiles returns the profiles the detector listens for.
	profiles() []Profile
}

// transmitter synthesises the transmissions of one profile at one sample
// rate.
type transmitter interface {
	airtime(n int) time.Duration
	maxPayload() int
	// appendTo appends the transmission of payload, of 1 to maxPayload
	// bytes, to dst.
	appendTo(dst []float32, payload []byte) ([]float32, error)
}
