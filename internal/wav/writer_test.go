package wav

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEncodeBytes(t *testing.T) {
	var buf bytes.Buffer
	nan := float32(math.NaN())
	in := []float32{0, 1, -1, 0.5, nan, 2, -2, 0.5 / 32768, -0.4 / 32768}
	if err := Encode(&buf, in, 8000); err != nil {
		t.Fatal(err)
	}
	want := "RIFF\x36\x00\x00\x00WAVEfmt \x10\x00\x00\x00" +
		"\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00" +
		"data\x12\x00\x00\x00" +
		"\x00\x00\xff\x7f\x00\x80\x00\x40\x00\x00\xff\x7f\x00\x80\x01\x00\x00\x00"
	if got := buf.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestEncodeFormatHeader(t *testing.T) {
	// Float files carry an 18-byte fmt chunk and a fact chunk; extensible
	// ones a 40-byte fmt chunk with the sub-format GUID.
	var buf bytes.Buffer
	if err := EncodeFormat(&buf, [][]float32{{0.5}, {0.25}}, 1000, Format{Bits: 32, Float: true, Extensible: true}); err != nil {
		t.Fatal(err)
	}
	cs := splitChunks(t, buf.Bytes())
	if len(cs) != 3 || cs[0].id != "fmt " || len(cs[0].body) != 40 || cs[1].id != "fact" || cs[2].id != "data" {
		t.Fatalf("chunks %v", cs)
	}
	if g := cs[0].body[24:40]; !bytes.Equal(g, append([]byte{3, 0}, guidTail[:]...)) {
		t.Errorf("sub-format GUID %x", g)
	}
	if m := cs[0].body[20:24]; !bytes.Equal(m, []byte{3, 0, 0, 0}) {
		t.Errorf("channel mask %x, want front left and right", m)
	}
}

func TestEncodeFormatErrors(t *testing.T) {
	two := [][]float32{{0}, {0}}
	tests := []struct {
		ch   [][]float32
		rate int
		f    Format
		msg  string
	}{
		{two, 8000, Format{Bits: 12}, "wav: PCM samples of 12 bits are not supported (want 8, 16, 24 or 32)"},
		{two, 8000, Format{Bits: 16, Float: true}, "wav: float samples of 16 bits are not supported (want 32 or 64)"},
		{nil, 8000, PCM16, "wav: 0 channels, want at least 1"},
		{two, 0, PCM16, "wav: sample rate 0 Hz is out of range"},
		{two, 1 << 31, PCM16, "wav: sample rate 2147483648 Hz is out of range"},
		{make([][]float32, 40000), 8000, PCM16, "wav: 40000 channels of 16 bits do not fit a WAV frame"},
		{[][]float32{{0, 1}, {0}}, 8000, PCM16, "wav: channel 1 has 1 samples, channel 0 has 2"},
	}
	for _, tt := range tests {
		err := EncodeFormat(io.Discard, tt.ch, tt.rate, tt.f)
		if err == nil || err.Error() != tt.msg {
			t.Errorf("got %v, want %q", err, tt.msg)
		}
	}
}

func TestWriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(30, 31))
	in := make([]float32, 30001)
	for i := range in {
		in[i] = float32(rng.NormFloat64() * 0.5) // some clip
	}
	var want bytes.Buffer
	if err := Encode(&want, in, 44100); err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(t.TempDir(), "out.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	io.WriteString(f, "prefix") // the WAV need not start at offset 0
	w, err := NewWriter(f, 44100)
	if err != nil {
		t.Fatal(err)
	}
	for rest := in; len(rest) > 0; {
		k := min(len(rest), rng.IntN(9000))
		if err := w.Write(rest[:k]); err != nil {
			t.Fatal(err)
		}
		rest = rest[k:]
	}

	// Before Close the file is a valid streamed WAV of unknown size.
	partial, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewReader(bytes.NewReader(partial[6:]))
	if err != nil || d.Frames() != -1 {
		t.Fatalf("unclosed file: frames %v, err %v", d.Frames(), err)
	}

	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "suffix") // Close leaves the offset after the samples
	if err := w.Write(in[:1]); err == nil {
		t.Error("Write after Close: no error")
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got[:6]) != "prefix" || string(got[len(got)-6:]) != "suffix" || !bytes.Equal(got[6:len(got)-6], want.Bytes()) {
		t.Errorf("Writer output differs from Encode")
	}
}

// pipe is an io.WriteSeeker that cannot seek, as os.Stdout on a pipe.
type pipe struct{ io.Writer }

func (pipe) Seek(int64, int) (int64, error) { return 0, errors.New("illegal seek") }

func TestWriterNoSeek(t *testing.T) {
	if _, err := NewWriter(pipe{io.Discard}, 8000); err == nil || !strings.HasPrefix(err.Error(), "wav: ") {
		t.Errorf("NewWriter on a pipe: %v", err)
	}
	if _, err := NewWriter(pipe{io.Discard}, 0); err == nil || err.Error() != "wav: sample rate 0 Hz is out of range" {
		t.Errorf("NewWriter rate 0: %v", err)
	}
}
