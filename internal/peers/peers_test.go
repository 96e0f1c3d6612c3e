package peers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var helloWarble = []byte("hello warble")

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func needGGWave(t *testing.T) {
	t.Helper()
	if err := GGWaveAvailable(); err != nil {
		t.Skip("ggwave: " + err.Error())
	}
}

func needMinimodem(t *testing.T) {
	t.Helper()
	if err := MinimodemAvailable(); err != nil {
		t.Skip("minimodem: " + err.Error())
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "internal", "peers", "ggwave", "ggwave-cli.js")); err != nil {
		t.Fatalf("module root %s: %v", root, err)
	}
}

// TestGGWaveSelfRoundTrip proves the harness: ggwave decodes what ggwave
// encoded, through WAV files both ways.
func TestGGWaveSelfRoundTrip(t *testing.T) {
	needGGWave(t)
	ctx := testContext(t)
	cases := []struct {
		rate int
		opts GGWaveDecodeOptions
	}{
		{48000, GGWaveDecodeOptions{}},
		{44100, GGWaveDecodeOptions{Whole: true}},
		{44100, GGWaveDecodeOptions{}},
	}
	for _, c := range cases {
		for _, protocol := range []string{"normal", "fast", "fastest", "u-normal", "dt-fast"} {
			mode := "chunked"
			if c.opts.Whole {
				mode = "whole"
			}
			t.Run(fmt.Sprintf("protocol=%s/rate=%d/feed=%s", protocol, c.rate, mode), func(t *testing.T) {
				samples, err := GGWaveEncode(ctx, protocol, helloWarble, c.rate)
				if err != nil {
					t.Fatal(err)
				}
				if len(samples) < c.rate/2 {
					t.Fatalf("%d samples, want at least half a second", len(samples))
				}
				got, err := GGWaveDecodeWith(ctx, samples, c.rate, c.opts)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 || !bytes.Equal(got[0], helloWarble) {
					t.Fatalf("decoded %q, want [%q]", got, helloWarble)
				}
			})
		}
	}
}

// TestGGWaveBinaryMaxPayload sends the longest payload ggwave takes, with
// every kind of byte.
func TestGGWaveBinaryMaxPayload(t *testing.T) {
	needGGWave(t)
	ctx := testContext(t)
	rng := rand.New(rand.NewPCG(1, 2))
	payload := make([]byte, GGWaveMaxPayload)
	for i := range payload {
		payload[i] = byte(rng.IntN(256))
	}
	payload[0], payload[1] = 0x00, 0xff
	samples, err := GGWaveEncode(ctx, "fastest", payload, 48000)
	if err != nil {
		t.Fatal(err)
	}
	got, err := GGWaveDecode(ctx, samples, 48000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !bytes.Equal(got[0], payload) {
		t.Fatalf("decoded %x, want [%x]", got, payload)
	}
}

// TestGGWaveTwoMessages pins how ggwave reports several messages: fed in
// chunks it finds each, fed whole it reports only the last.
func TestGGWaveTwoMessages(t *testing.T) {
	needGGWave(t)
	ctx := testContext(t)
	const rate = 48000
	first, err := GGWaveEncode(ctx, "fast", []byte("first"), rate)
	if err != nil {
		t.Fatal(err)
	}
	second, err := GGWaveEncode(ctx, "fast", []byte("second"), rate)
	if err != nil {
		t.Fatal(err)
	}
	audio := append(append(append([]float32(nil), first...), make([]float32, rate/2)...), second...)

	got, err := GGWaveDecode(ctx, audio, rate)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || string(got[0]) != "first" || string(got[1]) != "second" {
		t.Errorf("chunked: decoded %q, want [first second]", got)
	}
	got, err = GGWaveDecodeWith(ctx, audio, rate, GGWaveDecodeOptions{Whole: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || string(got[0]) != "second" {
		t.Errorf("whole: decoded %q, want [second]", got)
	}
}

func TestGGWaveSilence(t *testing.T) {
	needGGWave(t)
	got, err := GGWaveDecode(testContext(t), make([]float32, 48000), 48000)
	if err != nil || len(got) != 0 {
		t.Fatalf("silence: got %q, %v; want nothing, no error", got, err)
	}
}

func TestGGWaveDecodeTime(t *testing.T) {
	needGGWave(t)
	ctx := testContext(t)
	samples, err := GGWaveEncode(ctx, "fastest", helloWarble, 48000)
	if err != nil {
		t.Fatal(err)
	}
	d, err := GGWaveDecodeTime(ctx, samples, 48000, GGWaveDecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d <= 0 {
		t.Fatalf("decode time %v, want positive", d)
	}
}

func TestGGWaveBadArguments(t *testing.T) {
	ctx := testContext(t)
	if _, err := GGWaveEncode(ctx, "mt-fast", helloWarble, 48000); err == nil {
		t.Error("unknown protocol: no error")
	}
	if _, err := GGWaveEncode(ctx, "fast", make([]byte, GGWaveMaxPayload+1), 48000); err == nil {
		t.Error("payload over the limit: no error")
	}
	if _, err := GGWaveEncode(ctx, "fast", nil, 48000); err == nil {
		t.Error("empty payload: no error")
	}
}

func TestMinimodemRoundTrip(t *testing.T) {
	needMinimodem(t)
	ctx := testContext(t)
	payload := append(append([]byte(nil), helloWarble...), 0x00, 0xff, 0x80, 0x7f, '\n')
	for _, baud := range []int{300, 1200} {
		for _, rate := range []int{48000, 44100, 0} {
			name := fmt.Sprintf("baud=%d/rate=%d", baud, rate)
			if rate == 0 {
				name = fmt.Sprintf("baud=%d/rate=default", baud)
			}
			t.Run(name, func(t *testing.T) {
				samples, err := MinimodemEncode(ctx, baud, payload, rate)
				if err != nil {
					t.Fatal(err)
				}
				decodeRate := rate
				if rate == 0 {
					decodeRate = MinimodemDefaultRate
				}
				// 8-N-1: 10 bits a byte, plus minimodem's lead-in and tail.
				if min := len(payload) * 10 * decodeRate / baud; len(samples) < min {
					t.Fatalf("%d samples, want at least %d", len(samples), min)
				}
				got, err := MinimodemDecode(ctx, baud, samples, decodeRate)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, payload) {
					t.Fatalf("decoded %q, want %q", got, payload)
				}
			})
		}
	}
}

func TestMinimodemSilence(t *testing.T) {
	needMinimodem(t)
	got, err := MinimodemDecode(testContext(t), 1200, make([]float32, 48000), 48000)
	if err != nil || len(got) != 0 {
		t.Fatalf("silence: got %q, %v; want nothing, no error", got, err)
	}
}

func TestUnavailableErrors(t *testing.T) {
	for name, err := range map[string]error{"ggwave": GGWaveAvailable(), "minimodem": MinimodemAvailable()} {
		if err != nil && !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: %v does not wrap ErrUnavailable", name, err)
		}
	}
	t.Setenv("PATH", t.TempDir())
	if err := GGWaveAvailable(); !errors.Is(err, ErrUnavailable) {
		t.Errorf("ggwave without node: %v, want ErrUnavailable", err)
	}
	if err := MinimodemAvailable(); !errors.Is(err, ErrUnavailable) {
		t.Errorf("minimodem off PATH: %v, want ErrUnavailable", err)
	}
}

func TestWAVRoundTrip(t *testing.T) {
	in := []float32{0, 0.5, -0.5, 0.999, -1, 0.25}
	for _, f := range []wavFormat{wavPCM16, wavFloat32} {
		path := filepath.Join(t.TempDir(), "x.wav")
		if err := writeWAV(path, in, 44100, f); err != nil {
			t.Fatal(err)
		}
		got, rate, err := readWAV(path)
		if err != nil {
			t.Fatal(err)
		}
		if rate != 44100 || len(got) != len(in) {
			t.Fatalf("format %d: rate %d, %d samples; want 44100, %d", f, rate, len(got), len(in))
		}
		tol := float32(0)
		if f == wavPCM16 {
			tol = 1.0 / 32768
		}
		for i := range in {
			if d := got[i] - in[i]; d > tol || d < -tol {
				t.Errorf("format %d: sample %d = %v, want %v", f, i, got[i], in[i])
			}
		}
	}
}

func TestWAVStereoAndBadInput(t *testing.T) {
	// 16-bit stereo, one frame (0.5, -0.25) preceded by an odd-sized chunk.
	b := []byte("RIFF\x00\x00\x00\x00WAVE" +
		"junk\x03\x00\x00\x00abc\x00" +
		"fmt \x10\x00\x00\x00\x01\x00\x02\x00\x80\xbb\x00\x00\x00\xee\x02\x00\x04\x00\x10\x00" +
		"data\x04\x00\x00\x00\x00\x40\x00\xe0")
	got, rate, err := parseWAV(b)
	if err != nil {
		t.Fatal(err)
	}
	if rate != 48000 || len(got) != 1 || got[0] != 0.125 {
		t.Fatalf("got %v at %d Hz, want [0.125] at 48000 Hz", got, rate)
	}
	for _, bad := range [][]byte{nil, []byte("RIFF\x00\x00\x00\x00WAVE"), b[:40]} {
		if _, _, err := parseWAV(bad); !errors.Is(err, errWAV) {
			t.Errorf("parseWAV(%q): %v, want errWAV", bad, err)
		}
	}
}

// TestGGWaveDecodeMany decodes several recordings in one process, each with
// a fresh receiver, and keeps their order.
func TestGGWaveDecodeMany(t *testing.T) {
	needGGWave(t)
	ctx := testContext(t)
	a, err := GGWaveEncode(ctx, "fastest", []byte("first"), 48000)
	if err != nil {
		t.Fatal(err)
	}
	b, err := GGWaveEncode(ctx, "dt-fastest", []byte("third"), 48000)
	if err != nil {
		t.Fatal(err)
	}
	silence := make([]float32, 48000)
	got, err := GGWaveDecodeMany(ctx, [][]float32{a, silence, b}, 48000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || len(got[0]) != 1 || string(got[0][0]) != "first" || len(got[1]) != 0 || len(got[2]) != 1 || string(got[2][0]) != "third" {
		t.Fatalf("got %q", got)
	}
	if _, err := GGWaveDecodeMany(ctx, [][]float32{a}, 0); err == nil {
		t.Error("rate 0: no error")
	}
}
