package codec

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

var rates = []Rate{Rate12, Rate23, Rate34, Rate56, Rate78}

func mustNew(tb testing.TB, cfg Config) *Code {
	tb.Helper()
	c, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// perfectLLRs appends ±amp for each bit of each symbol, MSB first.
func perfectLLRs(dst []float32, syms []byte, b int, amp float32) []float32 {
	for _, s := range syms {
		for p := range b {
			if s>>(b-1-p)&1 == 0 {
				dst = append(dst, amp)
			} else {
				dst = append(dst, -amp)
			}
		}
	}
	return dst
}

func testPayload(rng *rand.Rand, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(rng.Uint32())
	}
	return p
}

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{BitsPerSymbol: 9}, "codec: BitsPerSymbol 9 is out of range 1..8"},
		{Config{BitsPerSymbol: 0}, "codec: BitsPerSymbol 0 is out of range 1..8"},
		{Config{BitsPerSymbol: 4, Rate: 7}, "codec: Rate 7 is not one of Rate12, Rate23, Rate34, Rate56, Rate78"},
		{Config{BitsPerSymbol: 4, Rate: -1}, "codec: Rate -1 is not one of Rate12, Rate23, Rate34, Rate56, Rate78"},
		{Config{BitsPerSymbol: 4, InterleaveSymbols: -1}, "codec: InterleaveSymbols -1 is negative"},
		{Config{BitsPerSymbol: 1, InterleaveSymbols: 16}, "codec: InterleaveSymbols 16 is too small: at 1 bits per symbol and rate 1/2 the header block needs at least 112 symbols"},
		{Config{BitsPerSymbol: 5, InterleaveSymbols: 500}, "codec: InterleaveSymbols 500 is too large: at 5 bits per symbol and rate 1/2 a 1-byte frame has only 25 symbols"},
	} {
		_, err := New(tc.cfg)
		if err == nil || err.Error() != tc.want {
			t.Errorf("New(%+v) = %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

// TestInterleaveBounds checks, for every b and rate, that the default S is
// valid and that every valid S puts the header and its look-ahead in the
// first block, which every frame fills.
func TestInterleaveBounds(t *testing.T) {
	for b := 1; b <= 8; b++ {
		for _, r := range rates {
			c := mustNew(t, Config{BitsPerSymbol: b, Rate: r})
			s := c.HeaderSymbols()
			if s > c.Symbols(1) {
				t.Errorf("b=%d rate=%v: HeaderSymbols %d > Symbols(1) %d", b, r, s, c.Symbols(1))
			}
			if c.hdrSteps < headerSteps || c.hdrCoded > s*b {
				t.Errorf("b=%d rate=%v: header block decodes %d steps from %d bits, block has %d bits", b, r, c.hdrSteps, c.hdrCoded, s*b)
			}
			if want := min(max(16, (c.codedLen(headerSteps)+b-1)/b), c.Symbols(1)); s != want {
				t.Errorf("b=%d rate=%v: default S %d, want %d", b, r, s, want)
			}
			t.Logf("b=%d rate=%v: S=%d (valid %d..%d), Symbols(16)=%d", b, r, s,
				(c.codedLen(headerSteps)+b-1)/b, c.Symbols(1), c.Symbols(16))
		}
	}
}

func TestSymbolsCount(t *testing.T) {
	// 16-byte payload: 22 bytes = 176 bits + 6 tail = 182 steps.
	for _, tc := range []struct {
		b    int
		r    Rate
		want int
	}{
		{1, Rate12, 364},
		{5, Rate12, 73}, // 364 bits
		{4, Rate23, 69}, // 91 periods of 3 bits = 273 bits
		{4, Rate34, 61}, // 60 periods of 4 + 2 steps (3 bits) = 243 bits
		{8, Rate78, 26}, // 26 periods of 8 = 208 bits
	} {
		c := mustNew(t, Config{BitsPerSymbol: tc.b, Rate: tc.r})
		if got := c.Symbols(16); got != tc.want {
			t.Errorf("b=%d rate=%v: Symbols(16) = %d, want %d", tc.b, tc.r, got, tc.want)
		}
	}
	c := mustNew(t, Config{BitsPerSymbol: 4})
	for _, n := range []int{0, -1, MaxPayload + 1} {
		if got := c.Symbols(n); got != 0 {
			t.Errorf("Symbols(%d) = %d, want 0", n, got)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for b := 1; b <= 8; b++ {
		for _, r := range rates {
			cfgs := []Config{{BitsPerSymbol: b, Rate: r}}
			if cfg := (Config{BitsPerSymbol: b, Rate: r, InterleaveSymbols: 16}); b >= 5 {
				if _, err := New(cfg); err == nil {
					cfgs = append(cfgs, cfg)
				}
			}
			for _, cfg := range cfgs {
				c := mustNew(t, cfg)
				d := c.NewDecoder()
				var syms []byte
				var llr []float32
				for n := 1; n <= MaxPayload; n++ {
					payload := testPayload(rng, n)
					var err error
					syms, err = c.Encode(syms[:0], payload)
					if err != nil {
						t.Fatal(err)
					}
					if len(syms) != c.Symbols(n) {
						t.Fatalf("%+v n=%d: %d symbols, Symbols says %d", cfg, n, len(syms), c.Symbols(n))
					}
					for _, s := range syms {
						if int(s) >= 1<<b {
							t.Fatalf("%+v n=%d: symbol %d out of range", cfg, n, s)
						}
					}
					llr = perfectLLRs(llr[:0], syms, b, 8)
					gotN, err := d.DecodeHeader(llr[:c.HeaderSymbols()*b])
					if err != nil || gotN != n {
						t.Fatalf("%+v n=%d: DecodeHeader = %d, %v", cfg, n, gotN, err)
					}
					got, err := d.Decode(nil, llr, n)
					if err != nil || !bytes.Equal(got, payload) {
						t.Fatalf("%+v n=%d: Decode = %x, %v; want %x", cfg, n, got, err, payload)
					}
				}
			}
		}
	}
}

// TestWhitening checks that an all-zero payload does not give long runs of
// one symbol value.
func TestWhitening(t *testing.T) {
	for _, b := range []int{1, 4, 5} {
		c := mustNew(t, Config{BitsPerSymbol: b, Rate: Rate78})
		syms, _ := c.Encode(nil, make([]byte, MaxPayload))
		run, longest := 1, 1
		for i := 1; i < len(syms); i++ {
			if syms[i] == syms[i-1] {
				run++
				longest = max(longest, run)
			} else {
				run = 1
			}
		}
		if longest > 24/b {
			t.Errorf("b=%d: zero payload gives a run of %d equal symbols", b, longest)
		}
	}
}

// TestInterleaveMapping checks the documented bit placement directly: coded
// bit j of a block of S symbols lands in symbol j mod S, MSB-first position
// j div S.
func TestInterleaveMapping(t *testing.T) {
	c := mustNew(t, Config{BitsPerSymbol: 3, Rate: Rate12, InterleaveSymbols: 40})
	coded := make([]byte, 100) // 34 symbols: one partial block, S=34
	coded[0], coded[35], coded[99] = 1, 1, 1
	syms := c.interleave(nil, coded)
	want := make([]byte, 34)
	want[0] = 0b100  // j=0: symbol 0, position 0
	want[1] = 0b010  // j=35: symbol 1, position 1
	want[31] = 0b001 // j=99: symbol 31, position 2
	if !bytes.Equal(syms, want) {
		t.Errorf("interleave = %v, want %v", syms, want)
	}
}

// TestButterfly checks the symmetry the Viterbi inner loop relies on.
func TestButterfly(t *testing.T) {
	for j := range 32 {
		o := trellis[j][0]
		if trellis[j][1] != o^3 || trellis[j+32][0] != o^3 || trellis[j+32][1] != o {
			t.Fatalf("butterfly %d: outputs %v %v", j, trellis[j], trellis[j+32])
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	c := mustNew(t, Config{BitsPerSymbol: 4})
	for _, n := range []int{0, MaxPayload + 1} {
		dst := []byte{7}
		got, err := c.Encode(dst, make([]byte, n))
		if err == nil || len(got) != 1 {
			t.Errorf("Encode of %d bytes = %v, %v; want an error and dst unchanged", n, got, err)
		}
	}
}

func TestDecodeLengthErrors(t *testing.T) {
	c := mustNew(t, Config{BitsPerSymbol: 4})
	d := c.NewDecoder()
	if _, err := d.DecodeHeader(make([]float32, c.HeaderSymbols()*4-1)); err == nil {
		t.Error("DecodeHeader accepted too few LLRs")
	}
	for _, tc := range []struct{ nllr, n int }{
		{c.Symbols(5)*4 - 1, 5},
		{c.Symbols(5)*4 + 1, 5},
		{0, 5},
		{100, 0},
		{100, MaxPayload + 1},
	} {
		dst := []byte{1, 2}
		got, err := d.Decode(dst, make([]float32, tc.nllr), tc.n)
		if err == nil || len(got) != 2 {
			t.Errorf("Decode(%d LLRs, n=%d) = %v, %v; want an error", tc.nllr, tc.n, got, err)
		}
		if errors.Is(err, ErrCRC) || errors.Is(err, ErrHeader) {
			t.Errorf("Decode(%d LLRs, n=%d): length error %v should not be a corrupt-frame error", tc.nllr, tc.n, err)
		}
	}
}

// rawFrame builds header+payload+CRC-32C with the header bytes given.
func rawFrame(h0, h1 byte, payload []byte) []byte {
	f := append([]byte{h0, h1}, payload...)
	return binary.BigEndian.AppendUint32(f, crc32.Checksum(f, castagnoli))
}

func TestHeaderRejection(t *testing.T) {
	c := mustNew(t, Config{BitsPerSymbol: 5})
	d := c.NewDecoder()
	payload := []byte("0123456789abcdef")
	h0, h1 := header(len(payload))
	decodeHeader := func(f []byte) error {
		llr := perfectLLRs(nil, c.encodeFrame(nil, f), 5, 8)
		_, err := d.DecodeHeader(llr)
		return err
	}
	if err := decodeHeader(rawFrame(h0, h1, payload)); err != nil {
		t.Fatalf("valid header rejected: %v", err)
	}
	cases := map[string]func() (byte, byte){
		"length 140": func() (byte, byte) { return 140, 1<<5 | crc5(140, 1) },
		"length 255": func() (byte, byte) { return 255, 1<<5 | crc5(255, 1) },
		"version 0":  func() (byte, byte) { return h0, crc5(h0, 0) },
		"version 2":  func() (byte, byte) { return h0, 2<<5 | crc5(h0, 2) },
		"bad check":  func() (byte, byte) { return h0, h1 ^ 1 },
	}
	for name, hdr := range cases {
		b0, b1 := hdr()
		err := decodeHeader(rawFrame(b0, b1, payload))
		var cfe *CorruptFrameError
		if !errors.Is(err, ErrHeader) || !errors.As(err, &cfe) {
			t.Errorf("%s: DecodeHeader error %v, want ErrHeader", name, err)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	// Every 1- and 2-bit error in the header is caught by the CRC-5.
	for i := range 16 {
		for j := i; j < 16; j++ {
			e := uint16(1)<<i | uint16(1)<<j
			b0, b1 := h0^byte(e>>8), h1^byte(e)
			if checkHeader(b0, b1) == nil {
				t.Errorf("header error pattern %016b not detected", e)
			}
		}
	}
	// Decode checks the length byte against n, and Decode of a frame
	// whose header says another length fails.
	f := rawFrame(h0+1, 1<<5|crc5(h0+1, 1), payload)
	llr := perfectLLRs(nil, c.encodeFrame(nil, f), 5, 8)
	if n, err := d.DecodeHeader(llr); err != nil || n != 17 {
		t.Fatalf("DecodeHeader = %d, %v; want 17", n, err)
	}
	if len(llr) != c.Symbols(16)*5 {
		t.Fatalf("frame of %d LLRs, want %d", len(llr), c.Symbols(16)*5)
	}
	got, err := d.Decode(nil, llr, 16)
	if !errors.Is(err, ErrHeader) || got != nil {
		t.Errorf("Decode with length byte for 17: %v, %v; want ErrHeader", got, err)
	}
}

func TestCRCRejection(t *testing.T) {
	c := mustNew(t, Config{BitsPerSymbol: 4})
	d := c.NewDecoder()
	payload := []byte("warble frame")
	h0, h1 := header(len(payload))
	f := rawFrame(h0, h1, payload)
	f[len(f)-1] ^= 0x40
	llr := perfectLLRs(nil, c.encodeFrame(nil, f), 4, 8)
	dst := []byte("keep")
	got, err := d.Decode(dst, llr, len(payload))
	var cfe *CorruptFrameError
	if !errors.Is(err, ErrCRC) || !errors.As(err, &cfe) || string(got) != "keep" {
		t.Fatalf("Decode = %q, %v; want ErrCRC and dst unchanged", got, err)
	}
	t.Log(err)
}

// TestCRCVectors checks hash/crc32's Castagnoli table against published
// check values in testdata/codec/crc.txt.
func TestCRCVectors(t *testing.T) {
	file, err := os.Open("../testdata/codec/crc.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var input []byte
	checked := 0
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		switch key {
		case "provenance":
		case "input":
			input = []byte(val)
		case "input-hex":
			input = nil
			for i := 0; i+1 < len(val); i += 2 {
				b, err := strconv.ParseUint(val[i:i+2], 16, 8)
				if err != nil {
					t.Fatal(err)
				}
				input = append(input, byte(b))
			}
		case "crc32c":
			want, err := strconv.ParseUint(val, 0, 32)
			if err != nil {
				t.Fatal(err)
			}
			if got := crc32.Checksum(input, castagnoli); got != uint32(want) {
				t.Errorf("CRC-32C(%q) = 0x%08X, want 0x%08X", input, got, want)
			}
			checked++
		default:
			t.Fatalf("unknown key %q", key)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no crc32c vectors in testdata/codec/crc.txt")
	}
}

func TestSymbolLLRs(t *testing.T) {
	// b=2: values 0..3, MSB first.
	ll := []float32{0, 1, 2, 3}
	got := SymbolLLRs(nil, ll, 2)
	lse := func(a, b float64) float64 { return max(a, b) + log1pExp(-abs(a-b)) }
	want := []float64{lse(0, 1) - lse(2, 3), lse(0, 2) - lse(1, 3)}
	for i := range want {
		if d := float64(got[i]) - want[i]; d > 1e-6 || d < -1e-6 {
			t.Errorf("llr[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	// Stability: huge offsets and impossible values.
	got = SymbolLLRs(nil, []float32{1e30, 1e30 - 2e24, -inf32(), -inf32()}, 2)
	if got[0] != float32(inf32()) || got[1] <= 0 {
		t.Errorf("llr of extreme input = %v", got)
	}
	// exp(−1000) underflows float64: the bit-0 group is recomputed.
	got = SymbolLLRs(nil, []float32{-1000, -3000, 0, 0}, 2)
	if want := float32(-1000 - math.Ln2); got[0] != want || got[1] != 0 {
		t.Errorf("llr of underflowing input = %v, want [%v 0]", got, want)
	}
	// A partial symbol and a bad b append nothing.
	if got := SymbolLLRs([]float32{1}, []float32{1, 2, 3}, 2); len(got) != 1 {
		t.Errorf("partial symbol gave %v", got)
	}
	if got := SymbolLLRs(nil, ll, 0); len(got) != 0 {
		t.Errorf("b=0 gave %v", got)
	}
}

func TestAllocs(t *testing.T) {
	c := mustNew(t, Config{BitsPerSymbol: 5})
	d := c.NewDecoder()
	payload := make([]byte, 16)
	syms, _ := c.Encode(nil, payload)
	llr := perfectLLRs(nil, syms, 5, 8)
	out := make([]byte, 0, 16)
	allocs := testing.AllocsPerRun(50, func() {
		syms, _ = c.Encode(syms[:0], payload)
		if _, err := d.DecodeHeader(llr); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Decode(out[:0], llr, 16); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per encode and decode, want 0", allocs)
	}
}

func ExampleRate_String() {
	fmt.Println(Rate12, Rate78)
	// Output: 1/2 7/8
}

// TestNonFiniteLLRs checks that infinite, huge and NaN LLRs are clamped or
// ignored rather than poisoning the path metrics.
func TestNonFiniteLLRs(t *testing.T) {
	c := mustNew(t, Config{BitsPerSymbol: 4, Rate: Rate23})
	d := c.NewDecoder()
	payload := []byte("clamp me")
	syms, _ := c.Encode(nil, payload)
	llr := perfectLLRs(nil, syms, 4, 8)
	for i := range llr {
		switch i % 7 {
		case 1:
			llr[i] *= float32(math.Inf(1))
		case 3:
			llr[i] *= 1e30
		case 5:
			llr[i] = float32(math.NaN())
		}
	}
	n, err := d.DecodeHeader(llr)
	if err != nil || n != len(payload) {
		t.Fatalf("DecodeHeader = %d, %v", n, err)
	}
	got, err := d.Decode(nil, llr, n)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("Decode = %q, %v", got, err)
	}
}
