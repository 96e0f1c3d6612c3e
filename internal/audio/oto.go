//go:build cgo

package audio

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/ebitengine/oto/v3"
)

// oto allows one context per process, at one sample rate, on the default
// output; it is made on first use and kept.
var otoState struct {
	sync.Mutex
	ctx  *oto.Context
	rate int
	err  error
}

// otoBuffer is the device buffer oto is asked for. Play pads each sound
// with more silence than this, so that when oto has taken the padding the
// sound itself has left the device.
const otoBuffer = 200 * time.Millisecond

// otoContext returns the process's oto context at rateHz, making it on
// first use.
func otoContext(rateHz int) (*oto.Context, error) {
	otoState.Lock()
	defer otoState.Unlock()
	if otoState.err != nil {
		return nil, otoState.err
	}
	if otoState.ctx != nil {
		if otoState.rate != rateHz {
			return nil, fmt.Errorf("oto plays at %d Hz in this process and cannot change rate (asked for %d Hz)", otoState.rate, rateHz)
		}
		return otoState.ctx, nil
	}
	quietALSA()
	ctx, ready, err := oto.NewContext(&oto.NewContextOptions{
		SampleRate:   rateHz,
		ChannelCount: 1,
		Format:       oto.FormatFloat32LE,
		BufferSize:   otoBuffer,
	})
	if err == nil {
		<-ready
		err = ctx.Err()
	}
	if err != nil {
		otoState.err = err
		return nil, err
	}
	otoState.ctx, otoState.rate = ctx, rateHz
	return ctx, nil
}

func playOto(ctx context.Context, samples []float32, rateHz int, opts PlayOptions) error {
	if opts.Device != "" {
		return &DeviceError{Device: opts.Device, Err: fmt.Errorf("oto plays on the default output only; choose a device with the portaudio backend")}
	}
	octx, err := otoContext(rateHz)
	if err != nil {
		return &DeviceError{Err: err}
	}
	// Silence after the sound, longer than the device buffer and a period
	// (half of it): when the player has handed all of it over, the sound
	// has been played.
	pad := int(2 * otoBuffer.Seconds() * float64(rateHz))
	raw := make([]byte, 4*(len(samples)+pad))
	for i, x := range samples {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
	}
	p := octx.NewPlayer(bytes.NewReader(raw))
	defer p.Close()
	p.Play()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for p.IsPlaying() {
		select {
		case <-ctx.Done():
			p.Pause()
			return ctx.Err()
		case <-tick.C:
		}
		if err := octx.Err(); err != nil {
			return fmt.Errorf("audio: oto: %w", err)
		}
	}
	if err := p.Err(); err != nil {
		return fmt.Errorf("audio: oto: %w", err)
	}
	return octx.Err()
}
