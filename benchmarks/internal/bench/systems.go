// Package bench holds what warble's end-to-end benchmarks share: the
// systems under test — warble's profiles, ggwave's protocols through
// ggwave's own decoder and through warble's, and minimodem — each an
// encoder and a batch decoder at [Rate], and the setup of the peers.
// benchmarks/sweep and benchmarks/rooms both run them.
package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"warble/internal/peers"
	"warble/modem"
)

// Rate is the sample rate of every signal in the benchmarks, in Hz.
const Rate = 48000

// System is one transmitter and receiver pair put through the channel.
type System struct {
	Name   string // as shown in tables and plots, e.g. "ggwave fastest"
	Key    string // file-safe name, e.g. "ggwave-fastest"
	Band   string // "audible" or "ultrasonic": which plot it goes on
	Family string // warble, ggwave or minimodem
	// Signal names the transmitter. Systems with the same Signal hear the
	// same noisy trials, so two decoders of one signal compare on the very
	// same files.
	Signal string
	// Version is part of every cache key: the code or peer version that
	// made a cached figure. TxVersion is the transmitter's part of it.
	Version, TxVersion string

	Encode func(ctx context.Context, payload []byte) ([]float32, error)
	// decode finds what the receiver hears in each recording, each heard
	// alone by a fresh receiver. The peers get a whole batch per process
	// call; inProcess receivers run here.
	Decode    func(ctx context.Context, recs [][]float32) ([]Heard, error)
	InProcess bool
}

// Heard is what a receiver made of a recording: verified frames, or for a
// receiver without frames (minimodem) the bytes it printed.
type Heard struct {
	Frames [][]byte
	Raw    []byte
}

// Count returns how many of want came out: each payload is matched at most
// as often as it was sent; in raw output each must appear whole, in order.
func (h Heard) Count(want [][]byte) int {
	n := 0
	if h.Frames == nil {
		rest := h.Raw
		for _, w := range want {
			if i := bytes.Index(rest, w); i >= 0 {
				n++
				rest = rest[i+len(w):]
			}
		}
		return n
	}
	used := make([]bool, len(h.Frames))
	for _, w := range want {
		for i, f := range h.Frames {
			if !used[i] && bytes.Equal(f, w) {
				used[i] = true
				n++
				break
			}
		}
	}
	return n
}

// FalseCount returns what h holds beyond want: frames that were not sent,
// or for raw output the bytes outside the payloads found.
func (h Heard) FalseCount(want [][]byte) int {
	if h.Frames == nil {
		n := len(h.Raw)
		rest := h.Raw
		for _, w := range want {
			if i := bytes.Index(rest, w); i >= 0 {
				n -= len(w)
				rest = rest[i+len(w):]
			}
		}
		return n
	}
	return len(h.Frames) - h.Count(want)
}

// Warble is a native warble profile, decoded in process by a receiver
// listening for that profile alone.
func Warble(p modem.Profile, version string) System {
	band := "audible"
	if lo, _ := p.BandHz(); lo > 16000 {
		band = "ultrasonic"
	}
	return System{
		Name: "warble " + p.Name, Key: "warble-" + p.Name, Band: band, Family: "warble",
		Signal: "warble-" + p.Name, Version: version, TxVersion: version,
		Encode: func(_ context.Context, payload []byte) ([]float32, error) {
			enc, err := modem.NewEncoder(p, Rate)
			if err != nil {
				return nil, err
			}
			return enc.Encode(nil, payload)
		},
		Decode:    warbleDecoder(p),
		InProcess: true,
	}
}

// warbleDecoder returns a decoder listening for p alone.
func warbleDecoder(p modem.Profile) func(context.Context, [][]float32) ([]Heard, error) {
	return func(_ context.Context, recs [][]float32) ([]Heard, error) {
		rx, err := modem.NewReceiver(Rate, p)
		if err != nil {
			return nil, err
		}
		out := make([]Heard, len(recs))
		var fr []modem.Frame
		for i, y := range recs {
			rx.Reset()
			fr = rx.Receive(fr[:0], y)
			fr = rx.Flush(fr)
			out[i].Frames = [][]byte{}
			for _, f := range fr {
				out[i].Frames = append(out[i].Frames, f.Payload)
			}
		}
		return out, nil
	}
}

// GGWave is one ggwave protocol: ggwave's encoder and decoder under
// node. ggwave's receiver listens for every protocol at once.
func GGWave(protocol string) System {
	band := "audible"
	if strings.HasPrefix(protocol, "u-") {
		band = "ultrasonic"
	}
	return System{
		Name: "ggwave " + protocol, Key: "ggwave-" + protocol, Band: band, Family: "ggwave",
		Signal: "ggwave-" + protocol, Version: "ggwave " + peers.GGWaveVersion, TxVersion: "ggwave " + peers.GGWaveVersion,
		Encode: func(ctx context.Context, payload []byte) ([]float32, error) {
			return peers.GGWaveEncode(ctx, protocol, payload, Rate)
		},
		Decode: GGWaveBatch,
	}
}

// WarbleOnGGWave is warble's receiver for a ggwave protocol, hearing
// ggwave's own transmissions: the same noisy trials as GGWave.
func WarbleOnGGWave(p modem.Profile, protocol, version string) System {
	s := GGWave(protocol)
	s.Name = "warble ← ggwave " + protocol
	s.Key = "warble-rx-ggwave-" + protocol
	s.Family = "warble"
	s.Version = s.Version + ", warble " + version
	s.Decode = warbleDecoder(p)
	s.InProcess = true
	return s
}

// Minimodem is minimodem at baud bits/s, 8-N-1, both ends.
func Minimodem(baud int, version string) System {
	return System{
		Name: fmt.Sprintf("minimodem %d", baud), Key: fmt.Sprintf("minimodem-%d", baud), Band: "audible", Family: "minimodem",
		Signal: fmt.Sprintf("minimodem-%d", baud), Version: version, TxVersion: version,
		Encode: func(ctx context.Context, payload []byte) ([]float32, error) {
			return peers.MinimodemEncode(ctx, baud, payload, Rate)
		},
		Decode: func(ctx context.Context, recs [][]float32) ([]Heard, error) {
			out := make([]Heard, len(recs))
			for i, y := range recs {
				b, err := peers.MinimodemDecode(ctx, baud, y, Rate)
				if err != nil {
					return nil, err
				}
				out[i].Raw = append([]byte{}, b...)
			}
			return out, nil
		},
	}
}

// WarbleOnMinimodem is warble's Bell receiver hearing minimodem's own
// transmissions at baud bits/s: the same noisy trials as [Minimodem]. Bell
// has no check, so it is scored as minimodem is: the payload must appear
// whole in what the receiver hands out, and every other byte counts as
// extra.
func WarbleOnMinimodem(p modem.Profile, baud int, version string) System {
	s := Minimodem(baud, MinimodemVersion())
	s.Name = fmt.Sprintf("warble %s ← minimodem %d", p.Name, baud)
	s.Key = fmt.Sprintf("warble-rx-minimodem-%d", baud)
	s.Family = "warble"
	s.Version = s.Version + ", warble " + version
	s.Decode = bellDecoder(p)
	s.InProcess = true
	return s
}

// bellDecoder returns a decoder listening for the Bell profile p alone,
// handing out the bytes of every frame, one after the other.
func bellDecoder(p modem.Profile) func(context.Context, [][]float32) ([]Heard, error) {
	return func(_ context.Context, recs [][]float32) ([]Heard, error) {
		rx, err := modem.NewReceiver(Rate, p)
		if err != nil {
			return nil, err
		}
		out := make([]Heard, len(recs))
		var fr []modem.Frame
		for i, y := range recs {
			rx.Reset()
			fr = rx.Receive(fr[:0], y)
			fr = rx.Flush(fr)
			out[i].Raw = []byte{}
			for _, f := range fr {
				out[i].Raw = append(out[i].Raw, f.Payload...)
			}
		}
		return out, nil
	}
}

// All returns every system that can run here, and a note for each one
// that cannot.
func All(root string) ([]System, []string) {
	var out []System
	var notes []string
	version := WarbleVersion(root)
	for _, p := range modem.Profiles() {
		out = append(out, Warble(p, version))
	}
	if err := peers.GGWaveAvailable(); err != nil {
		notes = append(notes, "ggwave left out: "+err.Error())
	} else {
		for _, proto := range peers.GGWaveProtocols() {
			out = append(out, GGWave(proto))
			if p, err := modem.Lookup("ggwave-" + proto); err == nil {
				out = append(out, WarbleOnGGWave(p, proto, version))
			}
		}
	}
	if err := peers.MinimodemAvailable(); err != nil {
		notes = append(notes, "minimodem left out: "+err.Error())
	} else {
		v := MinimodemVersion()
		out = append(out, Minimodem(300, v), Minimodem(1200, v))
		for _, p := range modem.BellProfiles() {
			out = append(out, WarbleOnMinimodem(p, int(p.Bell.Baud), version))
		}
	}
	return out, notes
}

// Select keeps the systems whose key matches one of the
// comma-separated patterns (filepath.Match syntax), all for "".
func Select(all []System, patterns string) ([]System, error) {
	if patterns == "" {
		return all, nil
	}
	var out []System
	for _, s := range all {
		for _, pat := range strings.Split(patterns, ",") {
			ok, err := filepath.Match(strings.TrimSpace(pat), s.Key)
			if err != nil {
				return nil, fmt.Errorf("-systems: %v", err)
			}
			if ok {
				out = append(out, s)
				break
			}
		}
	}
	if len(out) == 0 {
		keys := make([]string, len(all))
		for i, s := range all {
			keys[i] = s.Key
		}
		return nil, fmt.Errorf("-systems %q matches none of %s", patterns, strings.Join(keys, ", "))
	}
	return out, nil
}

// WarbleVersion hashes the Go sources of the signal core, so cached warble
// figures are recomputed whenever the modem changes.
func WarbleVersion(root string) string {
	h := sha256.New()
	for _, dir := range []string{"fsk", "codec", "modem"} {
		files, _ := filepath.Glob(filepath.Join(root, dir, "*.go"))
		slices.Sort(files)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(b))
			h.Write(b)
		}
	}
	return "src " + hex.EncodeToString(h.Sum(nil))[:12]
}

// MinimodemVersion returns the first line of minimodem --version, the
// version part of its cache keys.
func MinimodemVersion() string {
	out, err := exec.Command("minimodem", "--version").CombinedOutput()
	if err != nil {
		return "minimodem"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}
