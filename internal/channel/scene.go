package channel

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Scene is a transmission heard in a room, as a plain value: a loudspeaker
// and a microphone DistanceM metres apart in Room (placed as
// [Room.Positions] says), with ambient sound.
//
// Levels are sound pressure levels in dB SPL (re 20 µPa):
//
//   - SpeakerSPL is the level of the transmission at 1 m on the direct path:
//     the RMS over its active span (from the first to the last sample within
//     40 dB of its peak, see [ActiveSpan]) of what a flat loudspeaker would
//     radiate. The Speaker response, unity gain in its passband, then takes
//     away what the loudspeaker cannot reproduce.
//   - MicFullScaleSPL is the level that the microphone turns into a
//     full-scale sine (RMS 1/√2); zero means [DefaultMicFullScaleSPL]. A
//     level L dB SPL thus has a digital RMS of 10^((L − MicFullScaleSPL)/20)/√2.
//   - AmbientDBA is the A-weighted level (IEC 61672) of the Ambient sound at
//     the microphone, before the Mic response.
//
// Apply works in this order: scale to SpeakerSPL, Speaker response, the
// room's impulse response (see [Room]; the direct path at 1 m has gain 1, at
// d metres 1/d), plus the ambient sound, Mic response, clip to full scale.
type Scene struct {
	Room            Room
	DistanceM       float64  // from the loudspeaker to the microphone, metres
	SpeakerSPL      float64  // dB SPL at 1 m, see above
	MicFullScaleSPL float64  // dB SPL of a full-scale sine; 0 for DefaultMicFullScaleSPL
	Ambient         Ambient  // "" or AmbientNone for silence
	AmbientDBA      float64  // dB(A) SPL of the ambient sound at the microphone
	Speaker, Mic    Response // the zero Response is flat
}

// Validate reports whether s can be applied to a signal sampled at fs Hz,
// naming the first bad value.
func (s Scene) Validate(fs int) error {
	if fs < 8000 || fs > 384000 {
		return fmt.Errorf("channel: sample rate %d Hz is outside 8000 … 384000 Hz", fs)
	}
	if err := s.Room.Validate(); err != nil {
		return err
	}
	if _, _, err := s.Room.Positions(s.DistanceM); err != nil {
		return err
	}
	switch {
	case !(s.SpeakerSPL >= 0 && s.SpeakerSPL <= 140):
		return fmt.Errorf("channel: loudspeaker level %v dB SPL is outside 0 … 140", s.SpeakerSPL)
	case !(s.MicFullScaleSPL >= 0 && s.MicFullScaleSPL <= 160):
		return fmt.Errorf("channel: microphone full scale %v dB SPL is outside 0 … 160", s.MicFullScaleSPL)
	case !(s.AmbientDBA >= -20 && s.AmbientDBA <= 130):
		return fmt.Errorf("channel: ambient level %v dB(A) is outside −20 … 130", s.AmbientDBA)
	}
	if _, err := ParseAmbient(string(s.Ambient)); err != nil {
		return err
	}
	if err := s.Speaker.Validate(fs); err != nil {
		return err
	}
	return s.Mic.Validate(fs)
}

func (s Scene) fullScale() float64 {
	if s.MicFullScaleSPL == 0 {
		return DefaultMicFullScaleSPL
	}
	return s.MicFullScaleSPL
}

// Prepared is a [Scene] ready to apply at one sample rate: its room
// response is computed once. It is safe for concurrent use.
type Prepared struct {
	scene Scene
	fs    int
	room  roomResponse
	conv  *convolver
}

// Prepare computes s's room response at fs Hz, after validating s.
func (s Scene) Prepare(fs int) (*Prepared, error) {
	if err := s.Validate(fs); err != nil {
		return nil, err
	}
	src, mic, _ := s.Room.Positions(s.DistanceM)
	room := s.Room.response(src, mic, fs)
	return &Prepared{scene: s, fs: fs, room: room, conv: newConvolver(room.h)}, nil
}

// ImpulseResponse returns the room's impulse response from the loudspeaker
// to the microphone at fs Hz, without the Speaker and Mic responses: index 0
// is the moment of emission, the direct sound arrives at
// DistanceM / [SpeedOfSound] seconds with amplitude 1/DistanceM, and the
// response lasts the direct delay plus RT60.
func (s Scene) ImpulseResponse(fs int) ([]float32, error) {
	p, err := s.Prepare(fs)
	if err != nil {
		return nil, err
	}
	return p.ImpulseResponse(), nil
}

// Apply returns x, a transmission sampled at fs Hz, as the microphone hears
// it in s: len(x) + the response length − 1 samples (see
// [Scene.ImpulseResponse]). rng supplies the ambient sound. x must not be
// silent.
func (s Scene) Apply(x []float32, fs int, rng *rand.Rand) ([]float32, error) {
	p, err := s.Prepare(fs)
	if err != nil {
		return nil, err
	}
	return p.Apply(x, rng)
}

// With returns s prepared at p's sample rate. When s has p's room and
// distance it reuses p's room response, which only they determine, so a
// benchmark can vary levels, ambient sound and responses without
// recomputing the room.
func (p *Prepared) With(s Scene) (*Prepared, error) {
	if err := s.Validate(p.fs); err != nil {
		return nil, err
	}
	if s.Room != p.scene.Room || s.DistanceM != p.scene.DistanceM {
		return s.Prepare(p.fs)
	}
	return &Prepared{scene: s, fs: p.fs, room: p.room, conv: p.conv}, nil
}

// Scene returns the scene p was prepared from.
func (p *Prepared) Scene() Scene { return p.scene }

// SampleRate returns the rate p was prepared for, in Hz.
func (p *Prepared) SampleRate() int { return p.fs }

// ImpulseResponse returns a copy of the room's impulse response (see
// [Scene.ImpulseResponse]).
func (p *Prepared) ImpulseResponse() []float32 { return append([]float32(nil), p.room.h...) }

// Reflection returns the walls' fitted pressure reflection coefficient β.
func (p *Prepared) Reflection() float64 { return p.room.beta }

// Apply is [Scene.Apply] for the prepared scene.
func (p *Prepared) Apply(x []float32, rng *rand.Rand) ([]float32, error) {
	s := p.scene
	span := ActiveSpan(x, -40)
	pw := Power(x, span)
	if pw == 0 {
		return nil, fmt.Errorf("channel: the transmission is silent")
	}
	fullScale := s.fullScale()
	g := float32(math.Sqrt(fullScaleSinePower * math.Pow(10, (s.SpeakerSPL-fullScale)/10) / pw))
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = v * g
	}
	y, err := s.Speaker.Filter(y, p.fs)
	if err != nil {
		return nil, err
	}
	y = p.conv.apply(y)
	if s.Ambient != "" && s.Ambient != AmbientNone {
		noise, err := s.Ambient.Generate(len(y), p.fs, s.AmbientDBA, fullScale, rng)
		if err != nil {
			return nil, err
		}
		for i, v := range noise {
			y[i] += v
		}
	}
	y, err = s.Mic.Filter(y, p.fs)
	if err != nil {
		return nil, err
	}
	for i, v := range y {
		y[i] = clip(v)
	}
	return y, nil
}
