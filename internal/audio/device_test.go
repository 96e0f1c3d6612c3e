//go:build cgo

package audio_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"warble/internal/audio"
	"warble/internal/audio/audiotest"
	"warble/modem"
)

// noLoop says why the device tests skip; empty when they run.
var noLoop string

func TestMain(m *testing.M) {
	cleanup, err := audiotest.Loop()
	if err != nil {
		noLoop = err.Error()
	}
	code := m.Run()
	if cleanup != nil {
		cleanup()
	}
	os.Exit(code)
}

func needLoop(t *testing.T) {
	t.Helper()
	if noLoop != "" {
		t.Skip("no PulseAudio loop: " + noLoop)
	}
}

func TestDevicesListsDefaults(t *testing.T) {
	needLoop(t)
	devs, err := audio.Devices()
	if err != nil {
		t.Fatal(err)
	}
	var in, out bool
	for _, d := range devs {
		in = in || d.DefaultInput && d.InputChannels > 0
		out = out || d.DefaultOutput && d.OutputChannels > 0
		if d.DefaultRateHz <= 0 || d.Name == "" {
			t.Errorf("device %+v has no name or rate", d)
		}
	}
	if !in || !out {
		t.Errorf("devices %+v: want a default input and a default output", devs)
	}
}

// TestPlayThenHear plays a transmission with each backend and hears it on
// the capture, reading only until 1.5 s after Play returned (the capture's
// own buffering and a margin): Play returns once the sound has drained, so
// its tail is not left in a buffer, nor dropped with it.
func TestPlayThenHear(t *testing.T) {
	needLoop(t)
	const rate = 48000
	for _, b := range audio.Backends() {
		t.Run("backend="+string(b), func(t *testing.T) {
			payload := []byte("drained-" + string(b))
			enc, err := modem.NewEncoder(modem.Audible, rate)
			if err != nil {
				t.Fatal(err)
			}
			samples, err := enc.Encode(make([]float32, rate/25), payload)
			if err != nil {
				t.Fatal(err)
			}
			c, err := audio.OpenCapture(audio.CaptureOptions{RateHz: rate})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.SampleRate() != rate || c.Device() == "" {
				t.Errorf("capture at %d Hz on %q", c.SampleRate(), c.Device())
			}
			// Read until 1.5 s after Play returns.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			heard := make(chan []float32, 1)
			go func() {
				var all []float32
				buf := make([]float32, 2048)
				for {
					n, err := c.Read(ctx, buf)
					all = append(all, buf[:n]...)
					if err != nil {
						break
					}
				}
				heard <- all
			}()
			var st audio.Stats
			if err := audio.Play(context.Background(), samples, rate, audio.PlayOptions{Backend: b, Stats: &st}); err != nil {
				t.Fatal(err)
			}
			time.AfterFunc(1500*time.Millisecond, cancel)
			all := <-heard
			rx, _ := modem.NewReceiver(rate, modem.Audible)
			frames := rx.Flush(rx.Receive(nil, all))
			if len(frames) != 1 || string(frames[0].Payload) != string(payload) {
				// The energy per 100 ms shows gaps and cut ends.
				var rms []int
				for i := 0; i+4800 <= len(all); i += 4800 {
					e := 0.0
					for _, x := range all[i : i+4800] {
						e += float64(x * x)
					}
					rms = append(rms, int(1000*e/4800))
				}
				t.Logf("energy %v", rms)
				t.Fatalf("heard %d samples with frames %v, want %q once", len(all), frames, payload)
			}
			t.Logf("%s: heard %q at %v, snr %.1f dB, capture stats %+v, play stats %+v",
				b, frames[0].Payload, frames[0].Start, frames[0].SNR, c.Stats(), st)
		})
	}
}

func TestPlayCancelled(t *testing.T) {
	needLoop(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := audio.Play(ctx, make([]float32, 10*48000), 48000, audio.PlayOptions{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Play of 10 s cut after 200 ms: %v, want context.DeadlineExceeded", err)
	}
}

func TestNoSuchDevice(t *testing.T) {
	needLoop(t)
	check := func(what string, err error, input bool) {
		t.Helper()
		var de *audio.DeviceError
		if !errors.As(err, &de) {
			t.Fatalf("%s: %v, want a *DeviceError", what, err)
		}
		if de.Device != "no-such-device" || de.Input != input || !strings.Contains(err.Error(), `"no-such-device"`) {
			t.Errorf("%s: %v (%+v), want it to name the device", what, err, de)
		}
	}
	_, err := audio.OpenCapture(audio.CaptureOptions{Device: "no-such-device"})
	check("OpenCapture", err, true)
	err = audio.Play(context.Background(), make([]float32, 100), 48000, audio.PlayOptions{Device: "no-such-device"})
	check("Play", err, false)
	err = audio.Play(context.Background(), make([]float32, 100), 48000, audio.PlayOptions{Backend: audio.Oto, Device: "no-such-device"})
	check("Play with oto", err, false)
	if err := audio.Play(context.Background(), nil, 4000, audio.PlayOptions{}); err == nil || !strings.Contains(err.Error(), "4000 Hz") {
		t.Errorf("Play at 4000 Hz: %v, want a rate error", err)
	}
	if _, err := audio.OpenCapture(audio.CaptureOptions{RateHz: 1}); err == nil || !strings.Contains(err.Error(), "1 Hz") {
		t.Errorf("OpenCapture at 1 Hz: %v, want a rate error", err)
	}
}

func Example() {
	enc, _ := modem.NewEncoder(modem.Audible, 48000)
	samples, _ := enc.Encode(nil, []byte("7-guitar-kitten"))

	c, err := audio.OpenCapture(audio.CaptureOptions{RateHz: 48000})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	go audio.Play(context.Background(), samples, 48000, audio.PlayOptions{Backend: audio.PortAudio})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rx, _ := modem.NewReceiver(48000)
	buf := make([]float32, 1024)
	var frames []modem.Frame
	for len(frames) == 0 {
		n, err := c.Read(ctx, buf)
		if err != nil {
			fmt.Println(err)
			return
		}
		frames = rx.Receive(frames, buf[:n])
	}
	fmt.Printf("%s %q\n", frames[0].Profile, frames[0].Payload)
}
