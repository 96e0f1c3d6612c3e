//go:build cgo

package audio

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gordonklaus/portaudio"
)

// paMu serialises PortAudio's global state: its initialisation count, its
// device cache, and opening and closing streams.
var paMu sync.Mutex

// paInit initialises PortAudio; each success must be matched by paDone.
func paInit() error {
	paMu.Lock()
	defer paMu.Unlock()
	quietALSA()
	var err error
	withoutStderr(func() { err = portaudio.Initialize() })
	if err != nil {
		return fmt.Errorf("audio: starting PortAudio: %w", err)
	}
	skipLowStreamIDs.Do(func() {
		for range 4096 {
			// With no callback and no buffers, OpenStream takes an id and
			// gives it back without opening anything.
			portaudio.OpenStream(portaudio.StreamParameters{})
		}
	})
	return nil
}

// skipLowStreamIDs uses up the binding's stream ids below 4096 once per
// process. The binding hands each stream's id to PortAudio as a pointer;
// Go's pointer checks (on under -race) reject the ids from 1 to 4095 as
// pointers, and would stop the process at the second stream opened.
var skipLowStreamIDs sync.Once

func paDone() {
	paMu.Lock()
	defer paMu.Unlock()
	portaudio.Terminate()
}

// paDevices lists the devices; PortAudio must be initialised.
func paDevices() ([]Device, []*portaudio.DeviceInfo, error) {
	paMu.Lock()
	defer paMu.Unlock()
	infos, err := portaudio.Devices()
	if err != nil {
		return nil, nil, fmt.Errorf("audio: listing devices: %w", err)
	}
	var defIn, defOut *portaudio.DeviceInfo
	if h, err := portaudio.DefaultHostApi(); err == nil {
		defIn, defOut = h.DefaultInputDevice, h.DefaultOutputDevice
	}
	devs := make([]Device, len(infos))
	for i, d := range infos {
		devs[i] = Device{Index: d.Index, Name: d.Name, InputChannels: d.MaxInputChannels,
			OutputChannels: d.MaxOutputChannels, DefaultRateHz: d.DefaultSampleRate,
			DefaultInput: d == defIn, DefaultOutput: d == defOut}
		if d.HostApi != nil {
			devs[i].HostAPI = d.HostApi.Name
		}
	}
	return devs, infos, nil
}

// Devices lists the sound devices PortAudio finds, defaults marked.
func Devices() ([]Device, error) {
	if err := paInit(); err != nil {
		return nil, err
	}
	defer paDone()
	devs, _, err := paDevices()
	return devs, err
}

// resolve finds the device called name ("" is the default) for input or
// output; PortAudio must be initialised.
func resolve(name string, input bool) (*portaudio.DeviceInfo, error) {
	devs, infos, err := paDevices()
	if err != nil {
		return nil, err
	}
	if name == "" {
		for i, d := range devs {
			if (input && d.DefaultInput) || (!input && d.DefaultOutput) {
				return infos[i], nil
			}
		}
		return nil, fmt.Errorf("there is no default %s device (%s)", direction(input), listNames(devs, input))
	}
	i, err := findDevice(devs, name, input)
	if err != nil {
		return nil, err
	}
	return infos[i], nil
}

// Play plays mono samples at rateHz and returns once they have drained from
// the device, or when ctx is done (then the sound is cut off and ctx's error
// returned). A device that cannot be found or opened gives a [*DeviceError].
func Play(ctx context.Context, samples []float32, rateHz int, opts PlayOptions) error {
	if rateHz < 8000 || rateHz > 192000 {
		return fmt.Errorf("audio: sample rate %d Hz is outside 8000..192000", rateHz)
	}
	switch opts.Backend {
	case "", PortAudio:
		return playPortAudio(ctx, samples, rateHz, opts)
	case Oto:
		return playOto(ctx, samples, rateHz, opts)
	}
	_, err := ParseBackend(string(opts.Backend))
	return err
}

// The device buffering asked for by default, each way (see the package
// documentation): a gap where a busy machine left the output buffer empty
// costs a whole frame, and Play fills it ahead, so output buffers long;
// input asks for little, for the sake of PulseAudio's null sinks.
const (
	outputLatency = 1 * time.Second
	inputLatency  = 100 * time.Millisecond
	// With an adaptive lead the sound waits behind a buffer full of
	// silence, so the buffer is kept to this.
	adaptiveOutputLatency = 400 * time.Millisecond
)

// playFrames is the size of one blocking write, in samples.
const playFrames = 1024

func playPortAudio(ctx context.Context, samples []float32, rateHz int, opts PlayOptions) error {
	if err := paInit(); err != nil {
		return &DeviceError{Device: opts.Device, Err: err}
	}
	defer paDone()
	dev, err := resolve(opts.Device, false)
	if err != nil {
		return &DeviceError{Device: opts.Device, Err: err}
	}
	buf := make([]float32, playFrames)
	latency := opts.Latency
	switch {
	case latency > 0:
	case opts.Lead == AdaptiveLead:
		// The sound waits behind a full buffer of the lead's silence:
		// keep it short.
		latency = max(dev.DefaultLowOutputLatency, adaptiveOutputLatency)
	default:
		latency = max(dev.DefaultHighOutputLatency, outputLatency)
	}
	params := portaudio.StreamParameters{
		Output:          portaudio.StreamDeviceParameters{Device: dev, Channels: 1, Latency: latency},
		SampleRate:      float64(rateHz),
		FramesPerBuffer: playFrames,
	}
	paMu.Lock()
	stream, err := portaudio.OpenStream(params, &buf)
	paMu.Unlock()
	if err != nil {
		return &DeviceError{Device: opts.Device, Err: fmt.Errorf("%s at %d Hz: %w", dev.Name, rateHz, err)}
	}
	defer func() {
		paMu.Lock()
		stream.Close()
		paMu.Unlock()
	}()
	if err := stream.Start(); err != nil {
		return &DeviceError{Device: opts.Device, Err: fmt.Errorf("starting %s: %w", dev.Name, err)}
	}
	var underruns int64
	defer func() {
		if opts.Stats != nil {
			opts.Stats.Underruns += underruns
		}
	}()
	// The buffer is empty now; Play returns once it is empty again but for
	// the silence written after the sound. (Stop would drop what the buffer
	// holds under ALSA's pulse plugin, whatever PortAudio promises.)
	empty, err := stream.AvailableToWrite()
	if err != nil {
		return fmt.Errorf("audio: playing on %s: %w", dev.Name, err)
	}
	written := 0
	switch {
	case opts.Lead == AdaptiveLead:
		n, err := leadPortAudio(ctx, stream, buf, empty, rateHz, opts.Stats)
		written += n
		if err != nil {
			stream.Abort()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("audio: playing on %s: %w", dev.Name, err)
		}
	case opts.Lead > 0:
		samples = append(make([]float32, int(opts.Lead.Seconds()*float64(rateHz))), samples...)
	}
	pad := 2 * playFrames
	for len(samples) > 0 || pad > 0 {
		if err := ctx.Err(); err != nil {
			stream.Abort()
			return err
		}
		n := copy(buf, samples)
		samples = samples[n:]
		if n < len(buf) {
			clear(buf[n:])
			pad -= len(buf) - n
		}
		written += len(buf)
		if err := stream.Write(); err != nil {
			if errors.Is(err, portaudio.OutputUnderflowed) {
				underruns++
				continue
			}
			stream.Abort()
			return fmt.Errorf("audio: playing on %s: %w", dev.Name, err)
		}
	}
	// Wait as long as what is buffered takes to play, and as long again.
	limit := time.Now().Add(2*time.Duration(float64(min(written, empty))/float64(rateHz)*float64(time.Second)) + 2*time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		avail, err := stream.AvailableToWrite()
		if err != nil || avail >= empty-2*playFrames {
			break
		}
		if time.Now().After(limit) {
			stream.Abort()
			return fmt.Errorf("audio: %s did not play out its buffer (%d of %d samples left)", dev.Name, empty-avail, empty)
		}
		select {
		case <-ctx.Done():
			stream.Abort()
			return ctx.Err()
		case <-tick.C:
		}
	}
	if err := stream.Stop(); err != nil {
		return fmt.Errorf("audio: stopping %s: %w", dev.Name, err)
	}
	return nil
}

// captureFrames is the size of one device callback, in samples.
const captureFrames = 512

// OpenCapture opens an input device, starts capturing mono samples and
// returns once they flow. A device that cannot be found or opened, or that
// delivers nothing, gives a [*DeviceError]. Close the capture to stop.
func OpenCapture(opts CaptureOptions) (*Capture, error) {
	rate := opts.RateHz
	if rate == 0 {
		rate = 48000
	}
	if rate < 8000 || rate > 192000 {
		return nil, fmt.Errorf("audio: sample rate %d Hz is outside 8000..192000", rate)
	}
	if err := paInit(); err != nil {
		return nil, &DeviceError{Device: opts.Device, Input: true, Err: err}
	}
	dev, err := resolve(opts.Device, true)
	if err != nil {
		paDone()
		return nil, &DeviceError{Device: opts.Device, Input: true, Err: err}
	}
	c := newCapture(rate, dev.Name, 2*rate)
	callback := func(in []float32, _ portaudio.StreamCallbackTimeInfo, flags portaudio.StreamCallbackFlags) {
		c.push(in, flags&portaudio.InputOverflow != 0, flags&portaudio.InputUnderflow != 0)
	}
	latency := opts.Latency
	if latency <= 0 {
		latency = max(dev.DefaultHighInputLatency, inputLatency)
	}
	params := portaudio.StreamParameters{
		Input:           portaudio.StreamDeviceParameters{Device: dev, Channels: 1, Latency: latency},
		SampleRate:      float64(rate),
		FramesPerBuffer: captureFrames,
	}
	paMu.Lock()
	stream, err := portaudio.OpenStream(params, callback)
	paMu.Unlock()
	if err != nil {
		paDone()
		return nil, &DeviceError{Device: opts.Device, Input: true, Err: fmt.Errorf("%s at %d Hz: %w", dev.Name, rate, err)}
	}
	closeStream := func() error {
		paMu.Lock()
		err := stream.Close()
		paMu.Unlock()
		paDone()
		return err
	}
	if err := stream.Start(); err != nil {
		closeStream()
		return nil, &DeviceError{Device: opts.Device, Input: true, Err: fmt.Errorf("starting %s: %w", dev.Name, err)}
	}
	c.closer = func() error {
		stopErr := stream.Abort()
		if err := closeStream(); err != nil {
			return fmt.Errorf("audio: closing %s: %w", dev.Name, err)
		}
		if stopErr != nil {
			return fmt.Errorf("audio: stopping %s: %w", dev.Name, stopErr)
		}
		return nil
	}
	// The capture is open once samples flow: a sound server may take a
	// moment to start delivering (an idle PulseAudio null sink has mixed
	// up to two seconds ahead, and its monitor is silent until it wakes).
	if !c.waitFirst(stallAfter) {
		c.Close()
		return nil, &DeviceError{Device: opts.Device, Input: true, Err: fmt.Errorf("%s delivered no samples for %v", dev.Name, stallAfter)}
	}
	go c.watch(stallAfter)
	return c, nil
}

// stallAfter is how long a capture may go without samples before Read
// reports the device as stalled.
const stallAfter = 5 * time.Second

// leadPortAudio writes silence, keeping the buffer full (ALSA starts the
// device only once it is), until the stream takes it in real time (see
// [AdaptiveLead]), and returns how much it wrote. empty is the free space
// of the empty buffer.
func leadPortAudio(ctx context.Context, stream *portaudio.Stream, buf []float32, empty, rateHz int, stats *Stats) (int, error) {
	w := leadWatch{rate: float64(rateHz)}
	written := 0
	clear(buf)
	for {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		avail, err := stream.AvailableToWrite()
		if err != nil {
			return written, err
		}
		buffered := empty - avail
		if w.done(time.Now(), int64(written-buffered)) {
			if stats != nil {
				stats.Lead += time.Since(w.start)
			}
			return written, nil
		}
		if avail >= len(buf) {
			if err := stream.Write(); err != nil && !errors.Is(err, portaudio.OutputUnderflowed) {
				return written, err
			}
			written += len(buf)
			continue
		}
		time.Sleep(2 * time.Millisecond)
	}
}
