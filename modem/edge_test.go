package modem

import (
	"bytes"
	"fmt"
	"testing"

	"warble/internal/peers"
)

// edgeCase is one placement of transmissions in a file: what comes before,
// between and after them, in samples.
type edgeCase struct {
	name                  string
	before, after, gapped int
}

func edgeCases(rate int) []edgeCase {
	return []edgeCase{
		{"first-sample", 0, rate / 4, -1},
		{"last-sample", rate / 4, 0, -1},
		{"whole-file", 0, 0, -1},
		{"back-to-back", rate / 4, rate / 4, 0},
		{"back-to-back-whole-file", 0, 0, 0},
	}
}

// place lays out the transmissions xs as c says: one, or two with gapped
// samples of silence between them.
func (c edgeCase) place(xs ...[]float32) []float32 {
	out := make([]float32, c.before)
	out = append(out, xs[0]...)
	if c.gapped >= 0 {
		out = append(out, make([]float32, c.gapped)...)
		out = append(out, xs[1]...)
	}
	return append(out, make([]float32, c.after)...)
}

func (c edgeCase) want(payloads ...[]byte) [][]byte {
	if c.gapped < 0 {
		return payloads[:1]
	}
	return payloads
}

// checkEdge decodes x with p and wants exactly the payloads, in order,
// whatever the chunking.
func checkEdge(t *testing.T, name string, p Profile, rate int, x []float32, want [][]byte) {
	t.Helper()
	chunks := []int{len(x), 4096, 333}
	if testing.Short() || raceEnabled {
		chunks = chunks[1:2]
	}
	for _, chunk := range chunks {
		fr := decodeAll(t, rate, x, chunk, p)
		ok := len(fr) == len(want)
		for i := 0; ok && i < len(fr); i++ {
			ok = bytes.Equal(fr[i].Payload, want[i]) && fr[i].Profile == p.Name
		}
		if !ok {
			t.Errorf("%s (chunk %d): got %s, want %q", name, chunk, describe(fr), want)
			return
		}
	}
}

// TestGGWaveEdges decodes every ggwave protocol's transmissions that start
// at the first sample or end at the last, and two with no gap.
func TestGGWaveEdges(t *testing.T) {
	a, b := []byte("first one"), []byte("and the second")
	rates, ps := []int{48000, 44100}, GGWaveProfiles()
	if testing.Short() || raceEnabled {
		rates, ps = rates[:1], []Profile{GGWaveNormal, GGWaveUFastest, GGWaveDTFast}
	}
	for _, rate := range rates {
		for _, p := range ps {
			xa := transmit(t, p, rate, a, 0, 0)
			xb := transmit(t, p, rate, b, 0, 0)
			for _, c := range edgeCases(rate) {
				checkEdge(t, fmt.Sprintf("%s/%d/%s", p.Name, rate, c.name), p, rate, c.place(xa, xb), c.want(a, b))
			}
		}
	}
}

// TestBellEdges does the same for the Bell modems.
func TestBellEdges(t *testing.T) {
	a, b := []byte("first one"), []byte("and the second")
	for _, rate := range []int{48000, 44100, 22050} {
		for _, p := range BellProfiles() {
			xa := transmit(t, p, rate, a, 0, 0)
			xb := transmit(t, p, rate, b, 0, 0)
			for _, c := range edgeCases(rate) {
				checkEdge(t, fmt.Sprintf("%s/%d/%s", p.Name, rate, c.name), p, rate, c.place(xa, xb), c.want(a, b))
			}
		}
	}
}

// TestGGWavePeerEdges does it with ggwave's own transmissions, trimmed of
// the silence ggwave puts around them.
func TestGGWavePeerEdges(t *testing.T) {
	needGGWave(t)
	a, b := []byte("first one"), []byte("and the second")
	rates, ps := []int{48000, 44100}, GGWaveProfiles()
	if testing.Short() || raceEnabled {
		rates, ps = rates[:1], []Profile{GGWaveFastest, GGWaveUFast, GGWaveDTNormal}
	}
	for _, rate := range rates {
		for _, p := range ps {
			ctx := peerContext(t)
			xa, err := peers.GGWaveEncode(ctx, ggPeerName(p), a, rate)
			if err != nil {
				t.Fatal(err)
			}
			xb, err := peers.GGWaveEncode(ctx, ggPeerName(p), b, rate)
			if err != nil {
				t.Fatal(err)
			}
			xa, xb = trimSilence(xa), trimSilence(xb)
			for _, c := range edgeCases(rate) {
				checkEdge(t, fmt.Sprintf("%s/%d/%s", p.Name, rate, c.name), p, rate, c.place(xa, xb), c.want(a, b))
			}
		}
	}
}

// TestBellPeerEdges decodes minimodem's raw output, which starts with the
// carrier at the first sample and ends with it at the last, byte-exact: as
// minimodem wrote it, and two of its files one after the other.
func TestBellPeerEdges(t *testing.T) {
	needMinimodem(t)
	ctx := peerContext(t)
	for _, p := range BellProfiles() {
		for _, rate := range []int{48000, 44100} {
			for _, pair := range [][2]string{{"MM test", "and more"}, {"hello warble, from minimodem\n", "x"}, {"U", "\x00\xff"}} {
				a, b := []byte(pair[0]), []byte(pair[1])
				xa, err := peers.MinimodemEncode(ctx, bellBaud(p), a, rate)
				if err != nil {
					t.Fatal(err)
				}
				xb, err := peers.MinimodemEncode(ctx, bellBaud(p), b, rate)
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("%s/%d/%q", p.Name, rate, a)
				checkEdge(t, name+"/raw", p, rate, xa, [][]byte{a})
				checkEdge(t, name+"/raw-pair", p, rate, append(append([]float32(nil), xa...), xb...), [][]byte{a, b})
			}
		}
	}
}

// trimSilence cuts the leading and trailing samples of x whose magnitude is
// below 1/1000 of its peak, as `sox in.wav out.wav silence 1 0 0.1%` would.
func trimSilence(x []float32) []float32 {
	var peak float32
	for _, v := range x {
		peak = max(peak, v, -v)
	}
	lo, hi := 0, len(x)
	for lo < hi && x[lo] < peak/1000 && x[lo] > -peak/1000 {
		lo++
	}
	for hi > lo && x[hi-1] < peak/1000 && x[hi-1] > -peak/1000 {
		hi--
	}
	return x[lo:hi]
}
