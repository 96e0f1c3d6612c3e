package wav

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the seed files in testdata/wav-fuzz")

const seedDir = "../../testdata/wav-fuzz"

// fuzzSeeds returns the small WAV files kept in testdata/wav-fuzz, one per
// interesting header shape, each well under 2 KB.
func fuzzSeeds(t testing.TB) map[string][]byte {
	rng := rand.New(rand.NewPCG(20, 21))
	sine := func(channels, frames int) [][]float32 {
		out := make([][]float32, channels)
		for c := range out {
			out[c] = make([]float32, frames)
			for i := range out[c] {
				out[c][i] = float32(0.8*math.Sin(float64(i*(c+1))*0.3) + 0.1*(rng.Float64()-0.5))
			}
		}
		return out
	}
	seeds := map[string][]byte{
		"pcm8-mono.wav":          encode(t, sine(1, 201), 8000, Format{Bits: 8}),
		"pcm16-mono.wav":         encode(t, sine(1, 200), 48000, PCM16),
		"pcm24-ext-6ch.wav":      encode(t, sine(6, 30), 96000, Format{Bits: 24, Extensible: true}),
		"pcm32-stereo.wav":       encode(t, sine(2, 60), 44100, Format{Bits: 32}),
		"float64-ext-stereo.wav": encode(t, sine(2, 40), 22050, Format{Bits: 64, Float: true, Extensible: true}),
	}

	// Float with values the reader must sanitise.
	f := sine(2, 50)
	f[0][3], f[1][4], f[0][5], f[1][6] = float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1.5
	seeds["float32-stereo-nan.wav"] = encode(t, f, 16000, Format{Bits: 32, Float: true})

	// Extra chunks, odd-sized with pad bytes, around fmt and data.
	cs := splitChunks(t, encode(t, sine(2, 77), 11025, PCM16))
	seeds["pcm16-stereo-chunks.wav"] = buildRIFF(0,
		chunk{"LIST", []byte("INFOISFT\x06\x00\x00\x00warbl\x00x")}, cs[0],
		chunk{"fact", []byte{77, 0, 0, 0}}, chunk{"junk", []byte{1, 2, 3}}, cs[1],
		chunk{"id3 ", []byte("abcde")})

	// Streamed from a pipe: both sizes unknown.
	s := encode(t, sine(1, 150), 8000, PCM16)
	binary.LittleEndian.PutUint32(s[4:], unknownSize)
	binary.LittleEndian.PutUint32(s[40:], unknownSize)
	seeds["pcm16-streamed.wav"] = s

	// Data chunk cut short, mid-frame.
	tr := encode(t, sine(2, 200), 8000, Format{Bits: 24})
	seeds["pcm24-truncated.wav"] = tr[:len(tr)/2+1]
	return seeds
}

// TestFuzzSeeds keeps testdata/wav-fuzz in step with fuzzSeeds; run
// `go test -run TestFuzzSeeds -update` to rewrite it.
func TestFuzzSeeds(t *testing.T) {
	for name, want := range fuzzSeeds(t) {
		if len(want) >= 2048 {
			t.Errorf("%s: %d bytes, keep seeds under 2 KB", name, len(want))
		}
		path := filepath.Join(seedDir, name)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestFuzzSeeds -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from fuzzSeeds (run go test -run TestFuzzSeeds -update)", path)
		}
	}
}

func FuzzReader(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join(seedDir, "*.wav"))
	if err != nil {
		f.Fatal(err)
	}
	if len(seeds) == 0 {
		f.Fatalf("no seed files match %s/*.wav", seedDir)
	}
	// Recorded fixtures, when the project has them.
	fixtures, _ := filepath.Glob("../../testdata/wav/*.wav")
	for _, path := range append(seeds, fixtures...) {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint16(7))
	}
	f.Fuzz(func(t *testing.T, data []byte, size uint16) {
		n := int(size%5000) + 1
		d, err := NewReader(bytes.NewReader(data))
		if err != nil {
			if d != nil || !errors.Is(err, ErrFormat) {
				t.Fatalf("NewReader: reader %v, error %v", d, err)
			}
			return
		}
		if d.SampleRate() < 1 || d.Channels() < 1 || d.frame != d.Channels()*d.BitsPerSample()/8 {
			t.Fatalf("rate %d, channels %d, bits %d, frame %d", d.SampleRate(), d.Channels(), d.BitsPerSample(), d.frame)
		}
		maxFrames := len(data) / d.frame
		dst := make([]float32, n)
		var got []float32
		var rerr error
		for {
			k, err := d.Read(dst)
			rerr = err
			if k < 0 || k > len(dst) {
				t.Fatalf("Read returned %d for %d", k, len(dst))
			}
			for _, x := range dst[:k] {
				if !(x >= -1 && x <= 1) {
					t.Fatalf("sample %v outside [-1, 1]", x)
				}
			}
			got = append(got, dst[:k]...)
			if len(got) > maxFrames {
				t.Fatalf("%d samples from %d bytes", len(got), len(data))
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				if !errors.Is(err, ErrTruncated) {
					t.Fatalf("Read: unexpected error kind %v", err)
				}
				break
			}
		}
		// Chunking invariance: one big read gives the same samples.
		all, _, err2 := ReadAll(bytes.NewReader(data))
		if !slices.Equal(all, got) || (err2 == nil) != (rerr == io.EOF) {
			t.Fatalf("ReadAll: %d samples, err %v; Read(%d): %d samples, err %v", len(all), err2, n, len(got), rerr)
		}
	})
}
