package audio

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCaptureRingOrderAndDrops(t *testing.T) {
	c := newCapture(48000, "test", 8)
	c.push([]float32{1, 2, 3}, false, false)
	c.push([]float32{4, 5, 6, 7, 8}, false, false)
	// Three more than fit: the three oldest go.
	c.push([]float32{9, 10, 11}, true, false)
	got := make([]float32, 0, 8)
	buf := make([]float32, 3)
	for len(got) < 8 {
		n, err := c.Read(context.Background(), buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	want := []float32{4, 5, 6, 7, 8, 9, 10, 11}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("read %v, want %v", got, want)
		}
	}
	st := c.Stats()
	if st.DroppedSamples != 3 || st.Overruns != 1 || st.Underruns != 0 {
		t.Errorf("stats %+v, want 3 dropped samples and 1 overrun", st)
	}
	// A push longer than the whole buffer keeps its newest samples.
	c.push([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, false, true)
	big := make([]float32, 16)
	n, err := c.Read(context.Background(), big)
	if err != nil || n != 8 || big[0] != 3 || big[7] != 10 {
		t.Errorf("read %v (%d, %v), want 3..10", big[:n], n, err)
	}
	if st := c.Stats(); st.DroppedSamples != 5 || st.Underruns != 1 {
		t.Errorf("stats %+v, want 5 dropped samples and 1 underrun", st)
	}
}

func TestCaptureReadWaitsAndStops(t *testing.T) {
	c := newCapture(48000, "test", 64)
	go func() {
		time.Sleep(10 * time.Millisecond)
		c.push([]float32{0.5}, false, false)
	}()
	buf := make([]float32, 4)
	if n, err := c.Read(context.Background(), buf); err != nil || n != 1 || buf[0] != 0.5 {
		t.Fatalf("Read = %d, %v (%v), want the pushed sample", n, err, buf[:n])
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Read(ctx, buf); !errors.Is(err, context.Canceled) {
		t.Errorf("Read with a cancelled context: %v, want context.Canceled", err)
	}
	failure := errors.New("device gone")
	c.fail(failure)
	if _, err := c.Read(context.Background(), buf); !errors.Is(err, failure) {
		t.Errorf("Read after a failure: %v, want it", err)
	}
	closed := make(chan error)
	c2 := newCapture(48000, "test", 64)
	go func() {
		_, err := c2.Read(context.Background(), buf)
		closed <- err
	}()
	time.Sleep(10 * time.Millisecond)
	if err := c2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-closed; !errors.Is(err, ErrClosed) {
		t.Errorf("Read during Close: %v, want ErrClosed", err)
	}
	c2.push([]float32{1}, false, false) // a late callback is ignored
	if err := c2.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestCaptureStall(t *testing.T) {
	c := newCapture(48000, "mic", 64)
	go c.watch(20 * time.Millisecond)
	defer c.Close()
	_, err := c.Read(context.Background(), make([]float32, 4))
	if err == nil || !strings.Contains(err.Error(), `"mic" delivered no samples`) {
		t.Errorf("Read from a silent device: %v, want a stall error naming it", err)
	}
}

func TestFindDevice(t *testing.T) {
	devs := []Device{
		{Index: 0, Name: "HDA Intel PCH: ALC3246 Analog (hw:0,0)", InputChannels: 2, OutputChannels: 2},
		{Index: 1, Name: "HDA Intel PCH: HDMI 0 (hw:0,3)", OutputChannels: 8},
		{Index: 2, Name: "pulse", InputChannels: 32, OutputChannels: 32},
		{Index: 3, Name: "default", InputChannels: 32, OutputChannels: 32, DefaultInput: true, DefaultOutput: true},
	}
	for _, tc := range []struct {
		name  string
		input bool
		want  int    // index into devs, or -1
		err   string // part of the error
	}{
		{"pulse", true, 2, ""},
		{"3", false, 3, ""},
		{"hdmi", false, 1, ""},
		{"hdmi", true, -1, `no input device is called "hdmi"`},
		{"1", true, -1, "has no input channels"},
		{"7", false, -1, "no device has index 7"},
		{"HDA", false, -1, "matches 2 devices"},
		{"ALC3246", true, 0, ""},
		{"no-such-device", false, -1, `no output device is called "no-such-device" (have: 0 "HDA`},
	} {
		got, err := findDevice(devs, tc.name, tc.input)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("findDevice(%q, input=%v) = %d, %v; want an error with %q", tc.name, tc.input, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("findDevice(%q, input=%v) = %d, %v; want %d", tc.name, tc.input, got, err, tc.want)
		}
	}
}

func TestParseBackend(t *testing.T) {
	for _, b := range Backends() {
		if got, err := ParseBackend(string(b)); err != nil || got != b {
			t.Errorf("ParseBackend(%q) = %q, %v", b, got, err)
		}
	}
	if _, err := ParseBackend("alsa"); err == nil || !strings.Contains(err.Error(), `unknown backend "alsa"`) {
		t.Errorf("ParseBackend(alsa): %v", err)
	}
}
