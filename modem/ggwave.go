package modem

import (
	"fmt"
	"math"
	"time"
)

// ggwave's wire format (version 0.4.0, variable-length messages), in its
// own units: 1024-sample frames at 48 kHz, so tones sit on bins of
//
//	Δf = 48000/1024 = 46.875 Hz
//
// A message of n bytes (1..140) is sent as
//
//	start marker (16 frames) · data · end marker (16 frames)
//
// The data is the length byte under RS(3,1), then the payload under
// RS(n+e, n) with e = [GGWaveParity](n) parity bytes, cut into groups of
// BytesPerTx bytes. A group is held for FramesPerTx frames; each byte is two
// nibbles, nibble q of the group lighting one of the 16 bins
// FreqStartBin+16q … FreqStartBin+16q+15. A marker lights 16 of the 32 bins
// from FreqStartBin: bins 2i+i%2 (i < 16) for the start marker, the other 16
// for the end marker. Each group and each marker rises and falls over 15% of
// its length at either end.
const (
	ggFrame       = 1024   // samples per frame at ggRate
	ggRate        = 48000  // ggwave's operating sample rate, Hz
	ggBinHz       = 46.875 // ggRate / ggFrame
	ggMarkFrames  = 16     // frames in each marker
	ggLenBytes    = 3      // the length byte and its two parity bytes
	ggMaxPayload  = 140    // longest variable-length message
	ggRampPortion = 0.15   // share of a group or marker spent rising (and falling)
)

// GGWaveParams are the parameters of one ggwave protocol.
type GGWaveParams struct {
	FreqStartBin int // lowest tone, in bins of 46.875 Hz
	FramesPerTx  int // frames (of 1024 samples at 48 kHz) each group of tones is held
	BytesPerTx   int // bytes per group; each byte is two of 16 tones
}

func ggProfile(name string, bin, frames, bytes int) Profile {
	return Profile{
		Name:      name,
		Family:    GGWave,
		GGWave:    GGWaveParams{FreqStartBin: bin, FramesPerTx: frames, BytesPerTx: bytes},
		Amplitude: 0.5,
	}
}

// The ggwave protocols, bit-compatible with ggwave 0.4.0: audible
// (1.88–6.33 kHz), ultrasound ("u", 15.0–19.5 kHz) and dual-tone ("dt",
// 1.13–2.58 kHz), each normal, fast and fastest.
var (
	GGWaveNormal    = ggProfile("ggwave-normal", 40, 9, 3)
	GGWaveFast      = ggProfile("ggwave-fast", 40, 6, 3)
	GGWaveFastest   = ggProfile("ggwave-fastest", 40, 3, 3)
	GGWaveUNormal   = ggProfile("ggwave-u-normal", 320, 9, 3)
	GGWaveUFast     = ggProfile("ggwave-u-fast", 320, 6, 3)
	GGWaveUFastest  = ggProfile("ggwave-u-fastest", 320, 3, 3)
	GGWaveDTNormal  = ggProfile("ggwave-dt-normal", 24, 9, 1)
	GGWaveDTFast    = ggProfile("ggwave-dt-fast", 24, 6, 1)
	GGWaveDTFastest = ggProfile("ggwave-dt-fastest", 24, 3, 1)
)

// GGWaveProfiles returns the ggwave protocols in ggwave's own order.
func GGWaveProfiles() []Profile {
	return []Profile{
		GGWaveNormal, GGWaveFast, GGWaveFastest,
		GGWaveUNormal, GGWaveUFast, GGWaveUFastest,
		GGWaveDTNormal, GGWaveDTFast, GGWaveDTFastest,
	}
}

// GGWaveParity returns the number of Reed-Solomon parity bytes ggwave adds
// to an n-byte message.
func GGWaveParity(n int) int {
	if n < 4 {
		return 2
	}
	return max(4, 2*(n/5))
}

// nibbles returns the number of 16-bin nibble slots of a group.
func (g GGWaveParams) nibbles() int { return 2 * g.BytesPerTx }

// groups returns the number of tone groups of an n-byte message.
func (g GGWaveParams) groups(n int) int {
	total := ggLenBytes + n + GGWaveParity(n)
	return (total + g.BytesPerTx - 1) / g.BytesPerTx
}

// frames returns the frames of an n-byte message, markers included.
func (g GGWaveParams) frames(n int) int {
	return 2*ggMarkFrames + g.groups(n)*g.FramesPerTx
}

// topBin returns the highest bin the protocol lights.
func (g GGWaveParams) topBin() int {
	return g.FreqStartBin + max(16*g.nibbles(), 32) - 1
}

var (
	_ format      = ggFormat{}
	_ detector    = (*ggReceiver)(nil)
	_ transmitter = (*ggEncoder)(nil)
)

// ggFormat is the [format] of the [GGWave] family.
type ggFormat struct{}

func (ggFormat) validate(p Profile, sampleRate int) error {
	if err := p.validateShared(sampleRate); err != nil {
		return err
	}
	return p.GGWave.validate(p.Name, sampleRate)
}

func (ggFormat) airtime(p Profile, n int) (time.Duration, error) {
	if err := checkPayload(n, ggMaxPayload); err != nil {
		return 0, err
	}
	return p.GGWave.airtime(n), nil
}

func (ggFormat) bandHz(p Profile) (lo, hi float64) {
	return float64(p.GGWave.FreqStartBin) * ggBinHz, float64(p.GGWave.topBin()) * ggBinHz
}

func (ggFormat) newTransmitter(p Profile, sampleRate int) (transmitter, error) {
	return &ggEncoder{g: p.GGWave, rate: sampleRate, amp: p.Amplitude}, nil
}

// newDetectors returns one detector for all the ggwave profiles, sharing
// its spectrogram among them.
func (ggFormat) newDetectors(ps []Profile, sampleRate int, stats *Stats) ([]detector, error) {
	return []detector{newGGReceiver(ps, sampleRate, stats)}, nil
}

// airtime returns the duration of an n-byte message.
func (g GGWaveParams) airtime(n int) time.Duration {
	return time.Duration(g.frames(n)) * ggFrame * time.Second / ggRate
}

func (g GGWaveParams) validate(name string, sampleRate int) error {
	if g.FreqStartBin < 1 || g.FramesPerTx < 1 || g.FramesPerTx > 64 || g.BytesPerTx < 1 || g.BytesPerTx > 8 {
		return fmt.Errorf("modem: profile %s: ggwave parameters %+v are out of range", name, g)
	}
	// ggwave itself runs at 48 kHz, so its tones stay below 24 kHz whatever
	// the rate outside.
	if top := float64(g.topBin()+1) * ggBinHz; top >= 0.47*float64(min(sampleRate, ggRate)) {
		return fmt.Errorf("modem: profile %s: top tone %.0f Hz is too close to Nyquist (%d Hz)", name, top, min(sampleRate, ggRate)/2)
	}
	return nil
}

// message returns the bytes ggwave sends for payload: the length block,
// then the payload with its parity, zero-padded to whole groups.
func (g GGWaveParams) message(payload []byte) []byte {
	n := len(payload)
	m := rsEncode(make([]byte, 0, g.groups(n)*g.BytesPerTx), []byte{byte(n)}, ggLenBytes-1)
	m = rsEncode(m, payload, GGWaveParity(n))
	for len(m) < g.groups(n)*g.BytesPerTx {
		m = append(m, 0)
	}
	return m
}

// ggEncoder synthesises ggwave transmissions at any sample rate.
type ggEncoder struct {
	g    GGWaveParams
	rate int
	amp  float64
}

func (e *ggEncoder) airtime(n int) time.Duration { return e.g.airtime(n) }

func (e *ggEncoder) maxPayload() int { return ggMaxPayload }

// ggTone is one bin lit during a span of frames, with its starting phase.
type ggTone struct {
	bin   int
	phase float64
}

func (e *ggEncoder) appendTo(dst []float32, payload []byte) ([]float32, error) {
	g := e.g
	msg := g.message(payload)
	total := g.frames(len(payload))
	nOut := int(math.Round(float64(total) * ggFrame * float64(e.rate) / ggRate))
	start := len(dst)
	dst = append(dst, make([]float32, nOut)...)
	out := dst[start:]
	// Each span (marker or group) covers whole frames; render it sample by
	// sample over the output samples whose time falls inside it.
	bitsPerTx := float64(8 * g.BytesPerTx)
	phase := func(off int) float64 { return math.Pi * float64(off/2) / bitsPerTx }
	render := func(firstFrame, frames int, tones []ggTone) {
		t0 := float64(firstFrame) * ggFrame / ggRate
		t1 := float64(firstFrame+frames) * ggFrame / ggRate
		s0 := int(math.Ceil(t0 * float64(e.rate)))
		s1 := min(int(math.Ceil(t1*float64(e.rate))), len(out))
		spanSamples := float64(frames * ggFrame)
		ramp := ggRampPortion * spanSamples
		gain := e.amp / float64(len(tones))
		if s0 >= s1 {
			return
		}
		// Each tone as a rotating phasor, started at s0 and advanced one
		// sample at a time.
		osc := make([]complex128, len(tones))
		rot := make([]complex128, len(tones))
		for i, tn := range tones {
			w := 2 * math.Pi * float64(tn.bin) * ggBinHz
			sn, cs := math.Sincos(w*float64(s0)/float64(e.rate) + tn.phase)
			osc[i] = complex(cs, sn)
			sn, cs = math.Sincos(w / float64(e.rate))
			rot[i] = complex(cs, sn)
		}
		for s := s0; s < s1; s++ {
			t := float64(s) / float64(e.rate)
			k := (t - t0) * ggRate // position in the span, in 48 kHz samples
			env := 1.0
			if k < ramp {
				env = k / ramp
			} else if k > spanSamples-ramp {
				env = (spanSamples - k) / ramp
			}
			var v float64
			for i := range osc {
				v += imag(osc[i])
				osc[i] *= rot[i]
			}
			out[s] += float32(gain * env * v)
		}
	}
	marker := func(firstFrame int, end bool) {
		tones := make([]ggTone, 16)
		for i := range tones {
			off := 2*i + i%2
			if end {
				off = 2*i + 1 - i%2
			}
			tones[i] = ggTone{bin: g.FreqStartBin + off, phase: phase(off)}
		}
		render(firstFrame, ggMarkFrames, tones)
	}
	marker(0, false)
	tones := make([]ggTone, g.nibbles())
	for j := 0; j < g.groups(len(payload)); j++ {
		for q := range tones {
			b := msg[j*g.BytesPerTx+q/2]
			nib := int(b & 15)
			if q%2 == 1 {
				nib = int(b >> 4)
			}
			off := 16*q + nib
			tones[q] = ggTone{bin: g.FreqStartBin + off, phase: phase(off)}
		}
		render(ggMarkFrames+j*g.FramesPerTx, g.FramesPerTx, tones)
	}
	marker(total-ggMarkFrames, true)
	return dst, nil
}
