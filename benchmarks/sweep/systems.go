package main

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

	"warble/internal/channel"
	"warble/internal/peers"
	"warble/modem"
)

// rate is the sample rate of every signal in the sweep, in Hz.
const rate = 48000

// system is one transmitter and receiver pair put through the channel.
type system struct {
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

	encode func(ctx context.Context, payload []byte) ([]float32, error)
	// decode finds what the receiver hears in each recording, each heard
	// alone by a fresh receiver. The peers get a whole batch per process
	// call; inProcess receivers run here.
	decode    func(ctx context.Context, recs [][]float32) ([]heard, error)
	inProcess bool
}

// heard is what a receiver made of a recording: verified frames, or for a
// receiver without frames (minimodem) the bytes it printed.
type heard struct {
	frames [][]byte
	raw    []byte
}

// count returns how many of want came out: each payload is matched at most
// as often as it was sent; in raw output each must appear whole, in order.
func (h heard) count(want [][]byte) int {
	n := 0
	if h.frames == nil {
		rest := h.raw
		for _, w := range want {
			if i := bytes.Index(rest, w); i >= 0 {
				n++
				rest = rest[i+len(w):]
			}
		}
		return n
	}
	used := make([]bool, len(h.frames))
	for _, w := range want {
		for i, f := range h.frames {
			if !used[i] && bytes.Equal(f, w) {
				used[i] = true
				n++
				break
			}
		}
	}
	return n
}

// falseCount returns what h holds beyond want: frames that were not sent,
// or for raw output the bytes outside the payloads found.
func (h heard) falseCount(want [][]byte) int {
	if h.frames == nil {
		n := len(h.raw)
		rest := h.raw
		for _, w := range want {
			if i := bytes.Index(rest, w); i >= 0 {
				n -= len(w)
				rest = rest[i+len(w):]
			}
		}
		return n
	}
	return len(h.frames) - h.count(want)
}

// warbleSystem is a native warble profile, decoded in process by a receiver
// listening for that profile alone.
func warbleSystem(p modem.Profile, version string) system {
	band := "audible"
	if lo, _ := p.BandHz(); lo > 16000 {
		band = "ultrasonic"
	}
	return system{
		Name: "warble " + p.Name, Key: "warble-" + p.Name, Band: band, Family: "warble",
		Signal: "warble-" + p.Name, Version: version, TxVersion: version,
		encode: func(_ context.Context, payload []byte) ([]float32, error) {
			enc, err := modem.NewEncoder(p, rate)
			if err != nil {
				return nil, err
			}
			return enc.Encode(nil, payload)
		},
		decode:    warbleDecoder(p),
		inProcess: true,
	}
}

// warbleDecoder returns a decoder listening for p alone.
func warbleDecoder(p modem.Profile) func(context.Context, [][]float32) ([]heard, error) {
	return func(_ context.Context, recs [][]float32) ([]heard, error) {
		rx, err := modem.NewReceiver(rate, p)
		if err != nil {
			return nil, err
		}
		out := make([]heard, len(recs))
		var fr []modem.Frame
		for i, y := range recs {
			rx.Reset()
			fr = rx.Receive(fr[:0], y)
			fr = rx.Flush(fr)
			out[i].frames = [][]byte{}
			for _, f := range fr {
				out[i].frames = append(out[i].frames, f.Payload)
			}
		}
		return out, nil
	}
}

// ggwaveSystem is one ggwave protocol: ggwave's encoder and decoder under
// node. ggwave's receiver listens for every protocol at once.
func ggwaveSystem(protocol string) system {
	band := "audible"
	if strings.HasPrefix(protocol, "u-") {
		band = "ultrasonic"
	}
	return system{
		Name: "ggwave " + protocol, Key: "ggwave-" + protocol, Band: band, Family: "ggwave",
		Signal: "ggwave-" + protocol, Version: "ggwave " + peers.GGWaveVersion, TxVersion: "ggwave " + peers.GGWaveVersion,
		encode: func(ctx context.Context, payload []byte) ([]float32, error) {
			return peers.GGWaveEncode(ctx, protocol, payload, rate)
		},
		decode: ggwaveBatch,
	}
}

// warbleOnGGWave is warble's receiver for a ggwave protocol, hearing
// ggwave's own transmissions: the same noisy trials as ggwaveSystem.
func warbleOnGGWave(p modem.Profile, protocol, version string) system {
	s := ggwaveSystem(protocol)
	s.Name = "warble ← ggwave " + protocol
	s.Key = "warble-rx-ggwave-" + protocol
	s.Family = "warble"
	s.Version = s.Version + ", warble " + version
	s.decode = warbleDecoder(p)
	s.inProcess = true
	return s
}

// minimodemSystem is minimodem at baud bits/s, 8-N-1, both ends.
func minimodemSystem(baud int, version string) system {
	return system{
		Name: fmt.Sprintf("minimodem %d", baud), Key: fmt.Sprintf("minimodem-%d", baud), Band: "audible", Family: "minimodem",
		Signal: fmt.Sprintf("minimodem-%d", baud), Version: version, TxVersion: version,
		encode: func(ctx context.Context, payload []byte) ([]float32, error) {
			return peers.MinimodemEncode(ctx, baud, payload, rate)
		},
		decode: func(ctx context.Context, recs [][]float32) ([]heard, error) {
			out := make([]heard, len(recs))
			for i, y := range recs {
				b, err := peers.MinimodemDecode(ctx, baud, y, rate)
				if err != nil {
					return nil, err
				}
				out[i].raw = append([]byte{}, b...)
			}
			return out, nil
		},
	}
}

// warbleOnMinimodem is warble's Bell receiver hearing minimodem's own
// transmissions at baud bits/s: the same noisy trials as minimodemSystem.
// Bell has no check, so it is scored as minimodem is: the payload must
// appear whole in what the receiver hands out, and every other byte counts
// as extra.
func warbleOnMinimodem(p modem.Profile, baud int, version string) system {
	s := minimodemSystem(baud, minimodemVersion())
	s.Name = fmt.Sprintf("warble %s ← minimodem %d", p.Name, baud)
	s.Key = fmt.Sprintf("warble-rx-minimodem-%d", baud)
	s.Family = "warble"
	s.Version = s.Version + ", warble " + version
	s.decode = bellDecoder(p)
	s.inProcess = true
	return s
}

// bellDecoder returns a decoder listening for the Bell profile p alone,
// handing out the bytes of every frame, one after the other.
func bellDecoder(p modem.Profile) func(context.Context, [][]float32) ([]heard, error) {
	return func(_ context.Context, recs [][]float32) ([]heard, error) {
		rx, err := modem.NewReceiver(rate, p)
		if err != nil {
			return nil, err
		}
		out := make([]heard, len(recs))
		var fr []modem.Frame
		for i, y := range recs {
			rx.Reset()
			fr = rx.Receive(fr[:0], y)
			fr = rx.Flush(fr)
			out[i].raw = []byte{}
			for _, f := range fr {
				out[i].raw = append(out[i].raw, f.Payload...)
			}
		}
		return out, nil
	}
}

// systems returns every system that can run here, and a note for each one
// that cannot.
func systems(root string) ([]system, []string) {
	var out []system
	var notes []string
	version := warbleVersion(root)
	for _, p := range modem.Profiles() {
		out = append(out, warbleSystem(p, version))
	}
	if err := peers.GGWaveAvailable(); err != nil {
		notes = append(notes, "ggwave left out: "+err.Error())
	} else {
		for _, proto := range peers.GGWaveProtocols() {
			out = append(out, ggwaveSystem(proto))
			if p, err := modem.Lookup("ggwave-" + proto); err == nil {
				out = append(out, warbleOnGGWave(p, proto, version))
			}
		}
	}
	if err := peers.MinimodemAvailable(); err != nil {
		notes = append(notes, "minimodem left out: "+err.Error())
	} else {
		v := minimodemVersion()
		out = append(out, minimodemSystem(300, v), minimodemSystem(1200, v))
		for _, p := range modem.BellProfiles() {
			out = append(out, warbleOnMinimodem(p, int(p.Bell.Baud), version))
		}
	}
	return out, notes
}

// selectSystems keeps the systems whose key matches one of the
// comma-separated patterns (filepath.Match syntax), all for "".
func selectSystems(all []system, patterns string) ([]system, error) {
	if patterns == "" {
		return all, nil
	}
	var out []system
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

// warbleVersion hashes the Go sources of the signal core, so cached warble
// figures are recomputed whenever the modem changes.
func warbleVersion(root string) string {
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

func minimodemVersion() string {
	out, err := exec.Command("minimodem", "--version").CombinedOutput()
	if err != nil {
		return "minimodem"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

// activeSpan is where a transmission's energy is: from the first to the
// last sample within 40 dB of its peak.
func activeSpan(x []float32) channel.Span { return channel.ActiveSpan(x, -40) }
