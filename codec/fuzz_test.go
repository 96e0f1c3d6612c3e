package codec

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	update  = flag.Bool("update", false, "rewrite the fuzz seeds in testdata/codec/fuzz")
	ferFlag = flag.Bool("fer", false, "log frame error rates over an SNR grid")
)

const fuzzSeedGlob = "../testdata/codec/fuzz/*.hex"

// fuzzConfigs are the formats FuzzDecode picks from with its first byte.
var fuzzConfigs = []Config{
	{BitsPerSymbol: 5, Rate: Rate12},
	{BitsPerSymbol: 4, Rate: Rate34},
	{BitsPerSymbol: 1, Rate: Rate23},
	{BitsPerSymbol: 8, Rate: Rate78},
	{BitsPerSymbol: 3, Rate: Rate56},
}

// fuzzLLRs maps bytes to LLRs: each byte is an int8, in steps of 1/8.
func fuzzLLRs(data []byte) []float32 {
	llr := make([]float32, len(data))
	for i, x := range data {
		llr[i] = float32(int8(x)) / 8
	}
	return llr
}

// readSeed reads a hex seed file: '#' lines are comments.
func readSeed(path string) ([]byte, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var h strings.Builder
	for line := range strings.Lines(string(text)) {
		if !strings.HasPrefix(line, "#") {
			h.WriteString(strings.TrimSpace(line))
		}
	}
	return hex.DecodeString(h.String())
}

// FuzzDecode feeds arbitrary LLRs to DecodeHeader and Decode. Input: byte 0
// picks a format from fuzzConfigs, byte 1 the payload length to try when the
// header does not decode, the rest are LLRs (see fuzzLLRs). Neither may
// panic, and a returned payload must be one whose frame decodes back to it.
func FuzzDecode(f *testing.F) {
	seeds, err := filepath.Glob(fuzzSeedGlob)
	if err != nil {
		f.Fatal(err)
	}
	if len(seeds) == 0 {
		f.Fatalf("no fuzz seeds match %s", fuzzSeedGlob)
	}
	for _, path := range seeds {
		seed, err := readSeed(path)
		if err != nil {
			f.Fatalf("%s: %v", path, err)
		}
		f.Add(seed)
	}
	codes := make([]*Code, len(fuzzConfigs))
	for i, cfg := range fuzzConfigs {
		codes[i] = mustNew(f, cfg)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		c := codes[int(data[0])%len(codes)]
		b := c.Config().BitsPerSymbol
		llr := fuzzLLRs(data[2:])
		d := c.NewDecoder()
		n, err := d.DecodeHeader(llr)
		switch {
		case err == nil:
			if n < 1 || n > MaxPayload {
				t.Fatalf("DecodeHeader returned length %d", n)
			}
		case len(llr) >= c.HeaderSymbols()*b && !errors.Is(err, ErrHeader):
			t.Fatalf("DecodeHeader error %v is not ErrHeader", err)
		default:
			n = 1 + int(data[1])%MaxPayload
		}
		full := make([]float32, c.Symbols(n)*b)
		copy(full, llr)
		for _, in := range [][]float32{llr, full} {
			got, err := d.Decode(nil, in, n)
			if err != nil {
				if got != nil {
					t.Fatalf("Decode returned %x with error %v", got, err)
				}
				continue
			}
			if len(got) != n {
				t.Fatalf("Decode returned %d bytes for n=%d", len(got), n)
			}
			syms, err := c.Encode(nil, got)
			if err != nil {
				t.Fatal(err)
			}
			again, err := d.Decode(nil, perfectLLRs(nil, syms, b, 8), n)
			if err != nil || !bytes.Equal(again, got) {
				t.Fatalf("payload %x does not round-trip: %x, %v", got, again, err)
			}
		}
	})
}

// TestFuzzSeeds checks that the valid-frame seeds still decode, so a change
// of format cannot silently turn them into noise; with -update it rewrites
// all seeds.
func TestFuzzSeeds(t *testing.T) {
	type seed struct {
		name, comment string
		data          []byte
	}
	// frameSeed encodes payload in format cfgIndex as LLRs of ±8, flipping
	// the sign of the LLR at each index in flips.
	frameSeed := func(cfgIndex int, payload string, flips ...int) []byte {
		c := mustNew(t, fuzzConfigs[cfgIndex])
		syms, _ := c.Encode(nil, []byte(payload))
		llr := perfectLLRs(nil, syms, c.Config().BitsPerSymbol, 8)
		for _, i := range flips {
			llr[i] = -llr[i]
		}
		data := []byte{byte(cfgIndex), byte(len(payload) - 1)}
		for _, x := range llr {
			data = append(data, byte(int8(x*8)))
		}
		return data
	}
	seeds := []seed{
		{"valid-b5-r12", "16-byte frame, 32-FSK rate 1/2, LLRs ±8", frameSeed(0, "warble token 0001")},
		{"valid-b4-r34", "5-byte frame, b=4 rate 3/4, LLRs ±8", frameSeed(1, "hello")},
		{"valid-b1-r23", "1-byte frame, b=1 rate 2/3, LLRs ±8", frameSeed(2, "x")},
		{"valid-b8-r78-flips", "12-byte frame, b=8 rate 7/8, two LLRs flipped", frameSeed(3, "light & tone", 60, 170)},
		{"short", "fewer LLRs than a header block", []byte{0, 4, 0x40, 0xc0, 0x40}},
		{"zeros", "all-zero LLRs, b=3 rate 5/6", make([]byte, 2+60*3)},
	}
	if *update {
		for _, s := range seeds {
			var buf bytes.Buffer
			fmt.Fprintf(&buf, "# %s (written by go test ./codec -run TestFuzzSeeds -update)\n", s.comment)
			h := hex.EncodeToString(s.data)
			for len(h) > 64 {
				buf.WriteString(h[:64] + "\n")
				h = h[64:]
			}
			buf.WriteString(h + "\n")
			path := filepath.Join(filepath.Dir(fuzzSeedGlob), s.name+".hex")
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	paths, _ := filepath.Glob(fuzzSeedGlob)
	if len(paths) == 0 {
		t.Fatalf("no fuzz seeds match %s", fuzzSeedGlob)
	}
	for _, s := range seeds {
		if !strings.HasPrefix(s.name, "valid-") {
			continue
		}
		path := filepath.Join(filepath.Dir(fuzzSeedGlob), s.name+".hex")
		data, err := readSeed(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !bytes.Equal(data, s.data) {
			t.Errorf("%s is stale: run go test ./codec -run TestFuzzSeeds -update", path)
		}
		c := mustNew(t, fuzzConfigs[data[0]])
		llr := fuzzLLRs(data[2:])
		d := c.NewDecoder()
		n, err := d.DecodeHeader(llr)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if _, err := d.Decode(nil, llr, n); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}
