//go:build cgo

package audio

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
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
	lead := 0
	if opts.Lead > 0 {
		lead = int(opts.Lead.Seconds() * float64(rateHz))
	}
	raw := make([]byte, 4*(lead+len(samples)+pad))
	for i, x := range samples {
		binary.LittleEndian.PutUint32(raw[4*(lead+i):], math.Float32bits(x))
	}
	src := &leadReader{rest: bytes.NewReader(raw), leading: opts.Lead == AdaptiveLead, chunk: 4 * int(leadAhead.Seconds()*float64(rateHz))}
	p := octx.NewPlayer(src)
	defer p.Close()
	p.Play()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	w := leadWatch{rate: float64(rateHz)}
	for src.lead() {
		// The player holds what it has read and not yet handed on.
		if w.done(time.Now(), (src.served()-int64(p.BufferedSize()))/4) {
			src.stop()
			if opts.Stats != nil {
				opts.Stats.Lead += time.Since(w.start)
			}
			break
		}
		select {
		case <-ctx.Done():
			p.Pause()
			return ctx.Err()
		case <-tick.C:
		}
	}
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

// leadReader feeds an oto player silence while leading (see
// [AdaptiveLead]), at most leadAhead of it at a time, then rest.
type leadReader struct {
	mu      sync.Mutex
	leading bool
	n       int64 // bytes of silence served
	chunk   int   // most bytes of silence served at once
	rest    io.Reader
}

func (r *leadReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.leading {
		return r.rest.Read(p)
	}
	// Four bytes a sample: whole samples only.
	n := min(len(p), r.chunk) &^ 3
	clear(p[:n])
	r.n += int64(n)
	return n, nil
}

func (r *leadReader) lead() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.leading
}

func (r *leadReader) served() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

func (r *leadReader) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.leading = false
}
