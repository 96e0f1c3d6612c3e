// Package audio plays samples on a speaker and captures them from a
// microphone, for warble's send, listen and pairing commands.
//
// Two libraries reach the sound devices: PortAudio
// (github.com/gordonklaus/portaudio) plays and captures on any device it
// lists, and oto (github.com/ebitengine/oto/v3) plays on the system's
// default output. Both are cgo; this is the only package of warble that uses
// cgo. Built with CGO_ENABLED=0, every function returns [ErrNoCgo].
//
// The API is three calls:
//
//	err := audio.Play(ctx, samples, 48000, audio.PlayOptions{})  // returns once drained
//	c, err := audio.OpenCapture(audio.CaptureOptions{RateHz: 48000})
//	n, err := c.Read(ctx, buf)                                   // mono float32 chunks
//
// [Play] blocks until the last sample has left the device, not merely until
// it was queued, so a caller that plays and then listens does not hear its
// own tail. [Capture] delivers mono float32 samples in chunks of whatever
// size arrives, from a buffer that a device callback fills; samples the
// reader does not take in time are dropped and counted, never blocking the
// device.
//
// Play buffers a second ahead, so that a busy machine does not cut a gap
// into a transmission; it fills that buffer at once, so the buffering adds
// nothing to its own duration. Capture asks for a tenth of a second: a
// PulseAudio null sink mixes as far ahead as its monitor's reader allows,
// and a sink that rewinds spoils what its monitor passed on early, so less
// is safer there, while [Capture]'s own two-second buffer takes up a reader
// that falls behind. Play and
// OpenCapture may be called from several goroutines at once; each PortAudio
// Play opens a stream of its own, and sounds played at once mix.
//
// Samples are mono float32 in [-1, 1]. Devices are named as [Devices] lists
// them: by index, by exact name, or by a part of a name that matches one
// device only; the empty name is the default device.
//
// On Linux both libraries go through ALSA, whose default device is routed to
// PulseAudio when a server runs (Debian's libasound2-plugins and the
// pulseaudio package's ALSA configuration). On a machine without a sound
// card, a PulseAudio null sink with its monitor as the default source joins
// the speaker to the microphone: scripts/setup-audio.sh starts one.
package audio

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Backend names the library that plays the sound.
type Backend string

// The playback backends.
const (
	PortAudio Backend = "portaudio" // any device [Devices] lists; the default
	Oto       Backend = "oto"       // the system's default output only; see below
)

// oto allows one output per process: the first [Play] with [Oto] opens the
// default output at its sample rate and keeps it open, playing silence
// between sounds, until the process ends; a later Play with Oto at another
// rate fails.

// Backends lists the playback backends.
func Backends() []Backend { return []Backend{PortAudio, Oto} }

// ParseBackend returns the backend called name.
func ParseBackend(name string) (Backend, error) {
	for _, b := range Backends() {
		if string(b) == name {
			return b, nil
		}
	}
	return "", fmt.Errorf("audio: unknown backend %q (want portaudio or oto)", name)
}

// ErrNoCgo is returned by every device function of a build without cgo.
var ErrNoCgo = errors.New("audio: built without cgo, so there are no sound devices")

// ErrClosed is returned by [Capture.Read] after [Capture.Close].
var ErrClosed = errors.New("audio: capture is closed")

// DeviceError reports a device that could not be found or opened.
type DeviceError struct {
	Device string // the device as asked for; "" is the default
	Input  bool   // a capture device rather than an output
	Err    error
}

func (e *DeviceError) Error() string {
	kind := "output"
	if e.Input {
		kind = "input"
	}
	return fmt.Sprintf("audio: cannot open %s device %s: %v", kind, DeviceLabel(e.Device), e.Err)
}

func (e *DeviceError) Unwrap() error { return e.Err }

// DeviceLabel quotes a device name for messages; "" reads as the default.
func DeviceLabel(name string) string {
	if name == "" {
		return "(default)"
	}
	return fmt.Sprintf("%q", name)
}

// Device is one sound device as PortAudio sees it.
type Device struct {
	Index          int     // PortAudio's device index, usable as a name
	Name           string  // device name, e.g. "pulse" or "default" under ALSA
	HostAPI        string  // e.g. "ALSA"
	InputChannels  int     // 0 for an output-only device
	OutputChannels int     // 0 for an input-only device
	DefaultRateHz  float64 // the device's default sample rate
	DefaultInput   bool    // the default capture device
	DefaultOutput  bool    // the default playback device
}

// PlayOptions choose where [Play] plays.
type PlayOptions struct {
	Backend Backend // "" is PortAudio
	Device  string  // index or name; "" is the default output (oto: only "")
	// Latency is the device buffering asked for; 0 is one second.
	// PortAudio only: oto's buffer is fixed.
	Latency time.Duration
	// Stats, when not nil, has the device's underruns added to it
	// (PortAudio only: oto does not report them).
	Stats *Stats
	// Lead is silence played before the samples; [AdaptiveLead] plays
	// silence only until the device takes it in real time (see Play).
	Lead time.Duration
}

// AdaptiveLead, as [PlayOptions].Lead, plays silence before the sound only
// until the output takes it at its own pace. A PulseAudio null sink that
// nobody has played to renders up to two seconds ahead; when a stream
// starts it rewinds and mixes the stream's first stretch into time that a
// listener on its monitor has already missed, taking that stretch far
// faster than real time. A sound card takes its data in real time from the
// first buffer. Play watches how fast the silence it writes is taken, and
// starts the sound once it has been taken at about real time for
// [leadSteady], or after [leadMax] whatever happens. With
// PortAudio, which starts the device once its buffer is full, it keeps
// the buffer full of silence (and asks for a short one, 400 ms); oto is
// given [leadAhead] of silence at a time.
const AdaptiveLead time.Duration = -1

const (
	leadSteady = 200 * time.Millisecond // real-time consumption that ends the lead
	leadSlack  = 8192                   // samples an output may take at once
	leadMax    = 4 * time.Second        // longest lead
	leadAhead  = 40 * time.Millisecond  // silence kept buffered during the lead
)

// leadWatch decides when an adaptive lead may end, from how many samples
// the output has consumed by when.
type leadWatch struct {
	rate  float64
	start time.Time
	pts   []leadPoint
}

type leadPoint struct {
	t        time.Time
	consumed int64
}

// done records that consumed samples had been taken by now and reports
// whether the lead may end: consumption had begun leadSteady ago, and
// since then it has run at between half and one and a half times real
// time (give or take leadSlack, the most an output takes at once).
func (w *leadWatch) done(now time.Time, consumed int64) bool {
	if w.start.IsZero() {
		w.start = now
	}
	w.pts = append(w.pts, leadPoint{now, consumed})
	if now.Sub(w.start) >= leadMax {
		return true
	}
	// The latest point at least leadSteady ago.
	from := -1
	for i := len(w.pts) - 1; i >= 0; i-- {
		if now.Sub(w.pts[i].t) >= leadSteady {
			from = i
			break
		}
	}
	if from < 0 || w.pts[from].consumed == 0 {
		return false
	}
	a := w.pts[from]
	real := w.rate * now.Sub(a.t).Seconds()
	got := float64(consumed - a.consumed)
	return got >= 0.5*real && got <= 1.5*real+leadSlack
}

// CaptureOptions choose what [OpenCapture] captures.
type CaptureOptions struct {
	Device string // index or name; "" is the default input
	RateHz int    // sample rate in Hz; 0 is 48000
	// Latency is the device buffering asked for; 0 is 100 ms.
	Latency time.Duration
}

// Stats counts device trouble. An overrun is input the device had to drop
// because it was not read in time; an underrun is output the device ran out
// of and filled with silence. DroppedSamples counts samples this package
// dropped because the reader of a [Capture] fell more than its buffer behind.
type Stats struct {
	Overruns       int64
	Underruns      int64
	DroppedSamples int64
	// Lead is how long an adaptive lead lasted (see [AdaptiveLead]).
	Lead time.Duration
}

// findDevice resolves name among devs: an index, an exact name, or a part of
// one name, case-insensitively. input chooses capture or playback devices.
func findDevice(devs []Device, name string, input bool) (int, error) {
	usable := func(d Device) bool {
		if input {
			return d.InputChannels > 0
		}
		return d.OutputChannels > 0
	}
	var idx int
	if _, err := fmt.Sscanf(name, "%d", &idx); err == nil && fmt.Sprint(idx) == name {
		for i, d := range devs {
			if d.Index == idx {
				if !usable(d) {
					return -1, fmt.Errorf("device %d (%s) has no %s channels", idx, d.Name, direction(input))
				}
				return i, nil
			}
		}
		return -1, fmt.Errorf("no device has index %d (%s)", idx, listNames(devs, input))
	}
	for i, d := range devs {
		if d.Name == name && usable(d) {
			return i, nil
		}
	}
	found := -1
	var matches []string
	for i, d := range devs {
		if usable(d) && strings.Contains(strings.ToLower(d.Name), strings.ToLower(name)) {
			found = i
			matches = append(matches, fmt.Sprintf("%q", d.Name))
		}
	}
	switch len(matches) {
	case 0:
		return -1, fmt.Errorf("no %s device is called %q (%s)", direction(input), name, listNames(devs, input))
	case 1:
		return found, nil
	}
	return -1, fmt.Errorf("%q matches %d devices: %s; give its index or full name", name, len(matches), strings.Join(matches, ", "))
}

func direction(input bool) string {
	if input {
		return "input"
	}
	return "output"
}

// listNames lists the devices usable for input or output.
func listNames(devs []Device, input bool) string {
	var names []string
	for _, d := range devs {
		if (input && d.InputChannels > 0) || (!input && d.OutputChannels > 0) {
			names = append(names, fmt.Sprintf("%d %q", d.Index, d.Name))
		}
	}
	if len(names) == 0 {
		return "there are no " + direction(input) + " devices"
	}
	return "have: " + strings.Join(names, ", ")
}
