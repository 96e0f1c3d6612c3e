package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"warble/internal/channel"
	"warble/internal/wav"
	"warble/modem"
)

var update = flag.Bool("update", false, "rewrite the WAV fixtures in testdata/wav")

// fixtureDir holds the WAV fixtures, shared by every package's tests.
const fixtureDir = "../../testdata/wav"

// noiseWAV returns n samples of seeded white Gaussian noise (σ = 0.1) as a
// 16-bit WAV file at rate.
func noiseWAV(t testing.TB, n, rate int) []byte {
	t.Helper()
	x := channel.Noise(nil, n, 0.1, rand.New(rand.NewPCG(1, 2)))
	var b bytes.Buffer
	if err := wav.Encode(&b, x, rate); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fixture is one WAV fixture and what decoding it must give.
type fixture struct {
	name    string
	how     string // provenance: how the file was made
	profile string // "" for expect: none
	payload []byte
	make    func(t *testing.T, f fixture) []byte
}

// encodeCLI makes a fixture with 'warble encode'.
func encodeCLI(args ...string) func(*testing.T, fixture) []byte {
	return func(t *testing.T, f fixture) []byte {
		r := warble(t, nil, append([]string{"encode"}, args...)...)
		r.want(t, 0, args...)
		return []byte(r.stdout)
	}
}

// samplesOf encodes f's payload with its profile at rate, with pad samples of
// silence either side.
func samplesOf(t *testing.T, f fixture, rate, pad int) ([]float32, channel.Span) {
	p, err := modem.Lookup(f.profile)
	if err != nil {
		t.Fatal(err)
	}
	e, err := modem.NewEncoder(p, rate)
	if err != nil {
		t.Fatal(err)
	}
	x, err := e.Encode(make([]float32, pad), f.payload)
	if err != nil {
		t.Fatal(err)
	}
	sp := channel.Span{Start: pad, End: len(x)}
	return append(x, make([]float32, pad)...), sp
}

var fixtures = []fixture{
	{
		name: "room-16k-reverb", profile: "room", payload: []byte("7-guitar-kitten!"),
		how: "modem.Room at 16000 Hz, 0.25 s of silence either side, through channel.Reverb (RT60 0.6 s, " +
			"direct-to-reverberant ratio −12 dB, as at 3–4 m in a living room; rand.NewPCG(1, 2)), " +
			"then white Gaussian noise at 0 dB full-band SNR over the transmission (channel.AddNoise, rand.NewPCG(3, 4)), 16-bit mono",
		make: func(t *testing.T, f fixture) []byte {
			x, sp := samplesOf(t, f, 16000, 4000)
			x = channel.Reverb(x, 16000, 600*time.Millisecond, -12, rand.New(rand.NewPCG(1, 2)))
			x = channel.AddNoise(nil, x, 0, sp, rand.New(rand.NewPCG(3, 4)))
			x = channel.Gain(x, -6)
			var b bytes.Buffer
			if err := wav.Encode(&b, x, 16000); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		},
	},
	{
		name: "audible-16k-hello", profile: "audible", payload: []byte("hello"),
		how:  "`warble encode -profile audible -rate 16000 hello`: clean, 40 ms of silence either side, peak 0.7, 16-bit mono",
		make: encodeCLI("-profile", "audible", "-rate", "16000", "hello"),
	},
	{
		name: "audible-16k-noisy-m6db", profile: "audible", payload: []byte("0123456789abcdef"),
		how: "modem.Audible at 16000 Hz, 0.25 s of silence either side, white Gaussian noise at −6 dB full-band SNR " +
			"over the transmission (channel.AddNoise, rand.NewPCG(1, 2)), 16-bit mono",
		make: func(t *testing.T, f fixture) []byte {
			x, sp := samplesOf(t, f, 16000, 4000)
			x = channel.AddNoise(nil, x, -6, sp, rand.New(rand.NewPCG(1, 2)))
			var b bytes.Buffer
			if err := wav.Encode(&b, x, 16000); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		},
	},
	{
		name: "fast-16k", profile: "fast", payload: []byte("fast profile, 32 bytes of text!!"),
		how:  "`warble encode -profile fast -rate 16000 'fast profile, 32 bytes of text!!'`: clean, 16-bit mono",
		make: encodeCLI("-profile", "fast", "-rate", "16000", "fast profile, 32 bytes of text!!"),
	},
	{
		name: "ultrasonic-44k-short", profile: "ultrasonic", payload: []byte{0x42},
		how:  "`warble encode -profile ultrasonic -rate 44100 -hex 42`: clean, 16-bit mono",
		make: encodeCLI("-profile", "ultrasonic", "-rate", "44100", "-hex", "42"),
	},
	{
		name: "noise-only",
		how:  "2 s of white Gaussian noise, σ = 0.1 (channel.Noise, rand.NewPCG(1, 2)), at 16000 Hz, 16-bit mono",
		make: func(t *testing.T, f fixture) []byte { return noiseWAV(t, 32000, 16000) },
	},
	{
		name: "stereo-24bit", profile: "audible", payload: []byte("stereo"),
		how: "modem.Audible at 16000 Hz, 0.1 s of silence either side, written by wav.EncodeFormat as 24-bit PCM stereo: " +
			"left the clean transmission, right the same at half amplitude plus noise σ = 0.05 (rand.NewPCG(3, 4))",
		make: func(t *testing.T, f fixture) []byte {
			left, _ := samplesOf(t, f, 16000, 1600)
			right := channel.Noise(nil, len(left), 0.05, rand.New(rand.NewPCG(3, 4)))
			for i, v := range left {
				right[i] += v / 2
			}
			var b bytes.Buffer
			if err := wav.EncodeFormat(&b, [][]float32{left, right}, 16000, wav.Format{Bits: 24}); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		},
	},
}

// expectText is the .expect file for f.
func expectText(f fixture) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# made by: go test ./cmd/warble -run TestFixtures -update\n")
	if f.profile == "" {
		b.WriteString("expect: none\n")
		return b.String()
	}
	fmt.Fprintf(&b, "profile: %s\npayload: %s\nexpect: found\n", f.profile, hex.EncodeToString(f.payload))
	return b.String()
}

func readmeText() string {
	var b strings.Builder
	b.WriteString(`# WAV fixtures

Small recordings that every ` + "`warble decode`" + ` must handle. Each ` + "`NAME.wav`" + ` has a
` + "`NAME.expect`" + ` of ` + "`key: value`" + ` lines: ` + "`profile`" + ` and ` + "`payload`" + ` (hex) of the one
frame it holds, and ` + "`expect: found`" + `, or ` + "`expect: none`" + ` for a file with no frame.
TestFixtures in cmd/warble decodes each through the command line and checks it.

All of them are made by the fixtures table in cmd/warble/fixtures_test.go:

    go test ./cmd/warble -run TestFixtures -update

which rewrites the WAV files, the .expect files and this README. Keep them
small (seconds, at 16 kHz where the profile allows); generate long signals in
the tests instead.

| file | how it was made |
| --- | --- |
`)
	for _, f := range fixtures {
		fmt.Fprintf(&b, "| %s.wav | %s |\n", f.name, f.how)
	}
	return b.String()
}

// parseExpect reads key: value lines, skipping blanks and # comments.
func parseExpect(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("every fixture needs a .expect file: %v", err)
	}
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s: line %q is not key: value", path, line)
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return m
}

func writeFixtures(t *testing.T) {
	if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtures {
		b := f.make(t, f)
		if len(b) > 150<<10 {
			t.Errorf("%s.wav is %d bytes; keep fixtures under 150 KB", f.name, len(b))
		}
		if err := os.WriteFile(filepath.Join(fixtureDir, f.name+".wav"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(fixtureDir, f.name+".expect"), []byte(expectText(f)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(fixtureDir, "README.md"), []byte(readmeText()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFixtures(t *testing.T) {
	if *update {
		writeFixtures(t)
	}
	paths, err := filepath.Glob(filepath.Join(fixtureDir, "*.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no fixtures match %s/*.wav; regenerate them with -update", fixtureDir)
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".wav")
		t.Run(name, func(t *testing.T) {
			exp := parseExpect(t, strings.TrimSuffix(path, ".wav")+".expect")
			frames, r := decodeJSON(t, nil, path)
			switch exp["expect"] {
			case "none":
				r.want(t, 1, "decode", path)
				if len(frames) != 0 {
					t.Errorf("expected no frame, got %s", r.stdout)
				}
			case "found":
				r.want(t, 0, "decode", path)
				if len(frames) != 1 {
					t.Fatalf("expected one frame, got %d: %s", len(frames), r.stdout)
				}
				if frames[0]["profile"] != exp["profile"] || frames[0]["payload_hex"] != exp["payload"] {
					t.Errorf("got profile %v payload %v, want %s %s", frames[0]["profile"], frames[0]["payload_hex"], exp["profile"], exp["payload"])
				}
			default:
				t.Fatalf("expect: %q, want found or none", exp["expect"])
			}
		})
	}
	// Every fixture in the table is on disk, and nothing stale is.
	if len(paths) != len(fixtures) {
		t.Errorf("%d WAV files in %s, %d in the fixtures table; rerun with -update", len(paths), fixtureDir, len(fixtures))
	}
}
