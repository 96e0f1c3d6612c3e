package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"warble/internal/audio"
	"warble/modem"
)

// deviceRate is the sample rate send plays and listen captures at.
const deviceRate = 48000

func cmdSend(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("send", stderr)
	backend := fs.String("backend", "portaudio", "playback library: portaudio or oto")
	profile := profileFlag(fs, "room", false)
	device := fs.String("device", "", "output device, by name or index as 'warble devices' lists them (default: the system's default)")
	isHex := fs.Bool("hex", false, "PAYLOAD is hex")
	repeat := fs.Int("repeat", 1, "play the transmission this many times")
	gap := fs.Duration("gap", 500*time.Millisecond, "silence between repeats")
	leadArg := fs.String("lead", "auto", "silence played before the first transmission: auto (only until the output takes sound in real time: a PulseAudio null sink can lose up to 2 s at the start of a stream, a sound card nothing), or a duration such as 2.1s")
	var ta typedArgs
	ta.add(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: warble send [-backend portaudio|oto] [-profile NAME] [-device NAME|INDEX] [-hex | -type TYPE [-json]] [-repeat N] [-gap 500ms] [-lead auto|DURATION] PAYLOAD")
		fmt.Fprintln(stderr, "PAYLOAD is text, or hex with -hex; - reads it from stdin. send returns once the sound has played.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageErr("send takes exactly one PAYLOAD (got %d)", fs.NArg())
	}
	b, err := audio.ParseBackend(*backend)
	if err != nil {
		return usageErr("-backend %q: want portaudio or oto", *backend)
	}
	if b == audio.Oto && *device != "" {
		return &exitError{code: 2, msg: fmt.Sprintf("cannot open output device %q with oto: oto plays on the default output only", *device),
			hints: []string{"run 'warble devices' to see the devices and their names, and play on one with -backend portaudio"}}
	}
	if *repeat < 1 || *repeat > 100 {
		return usageErr("-repeat %d is outside 1..100", *repeat)
	}
	if *gap < 0 || *gap > time.Minute {
		return usageErr("-gap %v is outside 0..1m", *gap)
	}
	lead := audio.AdaptiveLead
	if *leadArg != "auto" {
		d, err := time.ParseDuration(*leadArg)
		if err != nil {
			return usageErr("-lead %q: want auto or a duration such as 2.1s", *leadArg)
		}
		if d < 0 || d > time.Minute {
			return usageErr("-lead %v is outside 0..1m", d)
		}
		lead = d
	}
	p, err := modem.Lookup(*profile)
	if err != nil {
		return usageErr("%v", err)
	}
	typed, isTyped, err := ta.typed(fs.Arg(0), *isHex, stdin)
	if err != nil {
		return err
	}
	var payload []byte
	frames := [][]byte{nil}
	if isTyped {
		enc, err := modem.NewEncoder(p, deviceRate)
		if err != nil {
			return &exitError{code: 2, msg: err.Error()}
		}
		if frames, err = typedFrames(typed, enc.MaxPayload()); err != nil {
			return err
		}
		payload = bytes.Join(frames, nil)
	} else {
		if payload, err = payloadArg(fs.Arg(0), *isHex, stdin); err != nil {
			return err
		}
		frames[0] = payload
	}
	samples, err := transmissionFrames(p, frames, *repeat, *gap, max(lead, 0))
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var st audio.Stats
	fmt.Fprintf(stderr, "warble: sending %d bytes as %s on %s %s: %.2f s\n", len(payload), p.Name, b,
		audio.DeviceLabel(*device), float64(len(samples))/deviceRate)
	opts := audio.PlayOptions{Backend: b, Device: *device, Stats: &st}
	if lead == audio.AdaptiveLead {
		opts.Lead = audio.AdaptiveLead
	}
	err = audio.Play(ctx, samples, deviceRate, opts)
	if st.Underruns > 0 {
		fmt.Fprintf(stderr, "warble: warning: the output device ran dry %d times (underruns); the sound may have gaps\n", st.Underruns)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled):
		return &exitError{code: 1, msg: "interrupted before the sound had played"}
	}
	return deviceErr(err, false)
}

// transmission encodes payload repeat times at deviceRate, with gap between
// repeats and lead of silence before the first.
func transmission(p modem.Profile, payload []byte, repeat int, gap, lead time.Duration) ([]float32, error) {
	enc, err := modem.NewEncoder(p, deviceRate)
	if err != nil {
		return nil, err
	}
	gapN := int(gap.Seconds() * deviceRate)
	samples := make([]float32, int(lead.Seconds()*deviceRate))
	for i := range repeat {
		if i > 0 {
			samples = append(samples, make([]float32, gapN)...)
		}
		if samples, err = enc.Encode(samples, payload); err != nil {
			return nil, err
		}
	}
	return samples, nil
}

// deviceErr turns a device failure into exit status 2 with what to check.
func deviceErr(err error, input bool) error {
	var de *audio.DeviceError
	if !errors.As(err, &de) {
		return &exitError{code: 2, msg: err.Error()}
	}
	hints := []string{"run 'warble devices' to see the devices and their names"}
	if errors.Is(err, audio.ErrNoCgo) {
		hints = []string{"build warble with cgo: CGO_ENABLED=1 go build ./cmd/warble (needs gcc, portaudio19-dev, libasound2-dev)"}
	} else {
		hints = append(hints,
			"check that a sound server answers: pactl info (PulseAudio) and that ALSA reaches it (Debian: libasound2-plugins)",
			"on a machine without a sound card, bash scripts/setup-audio.sh starts PulseAudio with a null sink")
		if input {
			hints = append(hints, "check that the microphone is not muted or in use: pactl list short sources")
		}
	}
	return &exitError{code: 2, msg: de.Error(), hints: hints}
}
