package wav

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// formats lists every encoding the reader accepts.
var formats = []struct {
	name string
	f    Format
}{
	{"pcm8", Format{Bits: 8}},
	{"pcm16", Format{Bits: 16}},
	{"pcm24", Format{Bits: 24}},
	{"pcm32", Format{Bits: 32}},
	{"float32", Format{Bits: 32, Float: true}},
	{"float64", Format{Bits: 64, Float: true}},
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, ft := range formats {
		for _, ext := range []bool{false, true} {
			for _, channels := range []int{1, 2, 6} {
				for _, rate := range []int{8000, 44100, 96000} {
					f := ft.f
					f.Extensible = ext
					name := fmt.Sprintf("%s/ext=%t/channels=%d/rate=%d", ft.name, ext, channels, rate)
					frames := 999 + rng.IntN(2000) // odd and even data sizes
					in := gridSignal(rng, channels, frames, f)
					t.Run(name, func(t *testing.T) {
						file := encode(t, in, rate, f)
						d, err := NewReader(bytes.NewReader(file))
						if err != nil {
							t.Fatal(err)
						}
						if d.SampleRate() != rate || d.Channels() != channels || d.BitsPerSample() != f.Bits ||
							d.Float() != f.Float || d.Frames() != int64(frames) {
							t.Fatalf("got rate %d channels %d bits %d float %t frames %d",
								d.SampleRate(), d.Channels(), d.BitsPerSample(), d.Float(), d.Frames())
						}
						got, rate2, err := ReadAll(bytes.NewReader(file))
						if err != nil || rate2 != rate {
							t.Fatalf("ReadAll: rate %d, err %v", rate2, err)
						}
						want := mixdown(in)
						if i := firstDiff(got, want); i >= 0 {
							t.Fatalf("sample %d of %d/%d: got %v, want %v", i, len(got), len(want), at(got, i), at(want, i))
						}
					})
				}
			}
		}
	}
}

func firstDiff(a, b []float32) int {
	for i := range max(len(a), len(b)) {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			return i
		}
	}
	return -1
}

func at(s []float32, i int) any {
	if i < len(s) {
		return s[i]
	}
	return "none"
}

func TestScaling(t *testing.T) {
	le := binary.LittleEndian
	f32 := func(v float32) []byte { return le.AppendUint32(nil, math.Float32bits(v)) }
	f64 := func(v float64) []byte { return le.AppendUint64(nil, math.Float64bits(v)) }
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	tests := []struct {
		name       string
		code, bits uint16
		data       []byte
		want       []float32
	}{
		{"pcm8", 1, 8, []byte{0, 64, 128, 255}, []float32{-1, -0.5, 0, 127.0 / 128}},
		{"pcm16", 1, 16, cat(le.AppendUint16(nil, 0x8000), le.AppendUint16(nil, 0x7FFF), le.AppendUint16(nil, 1)),
			[]float32{-1, 32767.0 / 32768, 1.0 / 32768}},
		{"pcm24", 1, 24, []byte{0, 0, 0x80, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF}, []float32{-1, 1 - 1.0/(1<<23), -1.0 / (1 << 23)}},
		{"pcm32", 1, 32, cat(le.AppendUint32(nil, 0x80000000), le.AppendUint32(nil, 0x7FFFFFFF), le.AppendUint32(nil, 0x100)),
			[]float32{-1, 1 - 1.0/(1<<23), 1.0 / (1 << 23)}},
		{"float32", 3, 32, cat(f32(0.25), f32(float32(math.NaN())), f32(float32(math.Inf(1))), f32(float32(math.Inf(-1))), f32(3), f32(-1.5), f32(1), f32(-1)),
			[]float32{0.25, 0, 0, 0, 1, -1, 1, -1}},
		{"float64", 3, 64, cat(f64(-0.125), f64(math.NaN()), f64(math.Inf(-1)), f64(1e300), f64(-2)),
			[]float32{-0.125, 0, 0, 1, -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := buildRIFF(0, fmtChunk(tt.code, 1, 8000, tt.bits/8, tt.bits), chunk{"data", tt.data})
			got, _, err := ReadAll(bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestExtraChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, ft := range formats {
		t.Run(ft.name, func(t *testing.T) {
			in := gridSignal(rng, 2, 301, ft.f)
			plain := encode(t, in, 22050, ft.f)
			cs := splitChunks(t, plain)
			list := chunk{"LIST", []byte("INFOISFT\x05\x00\x00\x00warb")} // 17 bytes: odd
			var layout []chunk
			layout = append(layout, chunk{"bext", []byte("abc")}, list)
			for _, c := range cs {
				if c.id == "data" {
					layout = append(layout, chunk{"junk", []byte{1}}, chunk{"fact", []byte{0, 0, 0, 0}})
				}
				layout = append(layout, c)
			}
			layout = append(layout, list, chunk{"id3 ", []byte("xyz")})
			for _, pad := range []byte{0, 0xAA} {
				file := buildRIFF(pad, layout...)
				got, rate, err := ReadAll(bytes.NewReader(file))
				if err != nil || rate != 22050 {
					t.Fatalf("pad %#x: rate %d, err %v", pad, rate, err)
				}
				if i := firstDiff(got, mixdown(in)); i >= 0 {
					t.Fatalf("pad %#x: first difference at sample %d", pad, i)
				}
			}
		})
	}
}

func TestStreamedSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	in := gridSignal(rng, 2, 1000, PCM16)
	want := mixdown(in)
	plain := encode(t, in, 48000, PCM16)
	le := binary.LittleEndian
	riffSizes := []uint32{0, 0xFFFFFFFF, uint32(len(plain) - 8)}
	for _, riff := range riffSizes {
		for _, data := range []uint32{0, 0xFFFFFFFF} {
			if data == 0 && riff == uint32(len(plain)-8) {
				continue // a declared RIFF size with a zero data size is an empty data chunk
			}
			t.Run(fmt.Sprintf("riff=%#x/data=%#x", riff, data), func(t *testing.T) {
				file := slices.Clone(plain)
				le.PutUint32(file[4:], riff)
				le.PutUint32(file[40:], data)
				d, err := NewReader(bytes.NewReader(file))
				if err != nil {
					t.Fatal(err)
				}
				if d.Frames() != -1 {
					t.Errorf("Frames() = %d, want -1", d.Frames())
				}
				got, _, err := ReadAll(bytes.NewReader(file))
				if err != nil || firstDiff(got, want) >= 0 {
					t.Fatalf("got %d samples, err %v", len(got), err)
				}
				// Ending mid-frame is a truncation even when the size is unknown.
				cut := len(file) - 3
				got, _, err = ReadAll(bytes.NewReader(file[:cut]))
				var te *TruncatedError
				if !errors.As(err, &te) || te.Offset != int64(cut) || te.Want != -1 || te.Got != int64(cut-44) {
					t.Fatalf("cut mid-frame: err %v", err)
				}
				if firstDiff(got, want[:len(want)-1]) >= 0 {
					t.Fatalf("cut mid-frame: got %d samples, want %d", len(got), len(want)-1)
				}
			})
		}
	}

	t.Run("empty-data-then-LIST", func(t *testing.T) {
		file := buildRIFF(0, fmtChunk(1, 1, 8000, 2, 16), chunk{"data", nil}, chunk{"LIST", []byte("INFO")})
		d, err := NewReader(bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		if d.Frames() != 0 {
			t.Errorf("Frames() = %d, want 0", d.Frames())
		}
		if n, err := d.Read(make([]float32, 10)); n != 0 || err != io.EOF {
			t.Errorf("Read = %d, %v; want 0, EOF", n, err)
		}
	})
}

func TestPartialFrameInDeclaredSize(t *testing.T) {
	// A data size that is not a whole number of frames: the partial frame
	// is dropped, not reported as truncation.
	file := buildRIFF(0, fmtChunk(1, 2, 8000, 4, 16), chunk{"data", []byte{0, 0x40, 0, 0x40, 1, 2}})
	got, _, err := ReadAll(bytes.NewReader(file))
	if err != nil || !slices.Equal(got, []float32{0.5}) {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestTruncated(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cases := []struct {
		name     string
		channels int
		f        Format
		extra    bool
	}{
		{"pcm8/mono", 1, Format{Bits: 8}, false},
		{"pcm16/stereo/list", 2, PCM16, true},
		{"pcm24/mono", 1, Format{Bits: 24}, true},
		{"float32/ext/6ch", 6, Format{Bits: 32, Float: true, Extensible: true}, false},
		{"float64/stereo", 2, Format{Bits: 64, Float: true}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := gridSignal(rng, tc.channels, 41, tc.f)
			want := mixdown(in)
			full := encode(t, in, 16000, tc.f)
			if tc.extra {
				cs := splitChunks(t, full)
				full = buildRIFF(0, append([]chunk{{"LIST", []byte("INFOx")}}, append(cs, chunk{"LIST", []byte("abc")})...)...)
			}
			d, err := NewReader(bytes.NewReader(full))
			if err != nil {
				t.Fatal(err)
			}
			start, size, frame := d.dataStart, d.dataSize, int64(d.frame)
			for cut := range int64(len(full)) {
				got, _, err := ReadAll(bytes.NewReader(full[:cut]))
				var fe *FormatError
				var te *TruncatedError
				switch {
				case cut < start:
					if !errors.As(err, &fe) || !errors.Is(err, ErrFormat) || fe.Offset != cut || got != nil {
						t.Fatalf("cut %d in header: err %v, %d samples", cut, err, len(got))
					}
				case cut < start+size:
					if !errors.As(err, &te) || !errors.Is(err, ErrTruncated) ||
						*te != (TruncatedError{Offset: cut, Want: size, Got: cut - start}) {
						t.Fatalf("cut %d in data: err %v", cut, err)
					}
					if firstDiff(got, want[:(cut-start)/frame]) >= 0 {
						t.Fatalf("cut %d in data: got %d samples, want %d", cut, len(got), (cut-start)/frame)
					}
				default:
					if err != nil || firstDiff(got, want) >= 0 {
						t.Fatalf("cut %d after data: err %v, %d samples", cut, err, len(got))
					}
				}
			}
		})
	}
}

func TestErrorMessages(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, make([]float32, 48000), 48000); err != nil {
		t.Fatal(err)
	}
	_, _, err := ReadAll(bytes.NewReader(buf.Bytes()[:1234]))
	if got, want := fmt.Sprint(err), "wav: truncated data chunk at byte offset 1234 (declared 96000 bytes, found 1190)"; got != want {
		t.Errorf("truncated data: got %q, want %q", got, want)
	}
	_, _, err = ReadAll(bytes.NewReader(buf.Bytes()[:30]))
	if got, want := fmt.Sprint(err), `wav: header cut short in fmt chunk at byte offset 30`; got != want {
		t.Errorf("truncated header: got %q, want %q", got, want)
	}
}

func TestNotWAV(t *testing.T) {
	tests := []struct {
		in, msg string
		off     int64
	}{
		{"", "empty input, not a RIFF/WAVE file", 0},
		{"hello, this is a text file\nnot audio\n", "not a RIFF/WAVE file", 0},
		{"x", "not a RIFF/WAVE file", 0},
		{"RIFX\x24\x00\x00\x00WAVE", "big-endian RIFX files are not supported", 0},
		{"RF64\xff\xff\xff\xffWAVEds64", "RF64 files are not supported", 0},
		{"RIFF\x24\x00\x00\x00AVI LIST", `not a RIFF/WAVE file (RIFF form type "AVI ")`, 8},
		{"RIFF\x24\x00\x00\x00WA", "header cut short in RIFF header", 10},
	}
	for _, tt := range tests {
		_, _, err := ReadAll(strings.NewReader(tt.in))
		var fe *FormatError
		if !errors.As(err, &fe) || !errors.Is(err, ErrFormat) || fe.Msg != tt.msg || fe.Offset != tt.off {
			t.Errorf("%q: got %v, want %q at offset %d", tt.in, err, tt.msg, tt.off)
		}
	}
}

func TestBadHeaders(t *testing.T) {
	le := binary.LittleEndian
	data := chunk{"data", make([]byte, 16)}
	ext := func(sub uint16, tail []byte) chunk {
		c := fmtChunk(0xFFFE, 1, 8000, 2, 16)
		c.body = le.AppendUint16(c.body, 22)
		c.body = le.AppendUint16(c.body, 16)
		c.body = le.AppendUint32(c.body, 4)
		c.body = le.AppendUint16(c.body, sub)
		c.body = append(c.body, tail...)
		return c
	}
	hugeLIST := []byte("RIFF\x00\x00\x00\x00WAVELIST\x00\xff\xff\xffINFO")
	hugeFmt := append([]byte("RIFF\x00\x00\x00\x00WAVEfmt \xff\xff\xff\x7f"), fmtChunk(1, 1, 8000, 2, 16).body...)
	hugeFmt = append(hugeFmt, make([]byte, 24)...)
	tests := []struct {
		name string
		file []byte
		msg  string
		off  int64
	}{
		{"channels=0", buildRIFF(0, fmtChunk(1, 0, 8000, 0, 16), data), "fmt chunk declares 0 channels", 22},
		{"rate=0", buildRIFF(0, fmtChunk(1, 1, 0, 2, 16), data), "fmt chunk declares a sample rate of 0 Hz", 24},
		{"blockalign", buildRIFF(0, fmtChunk(1, 2, 8000, 2, 16), data), "block align 2 does not match 2 channels of 16 bits (want 4)", 32},
		{"blockalign=0", buildRIFF(0, fmtChunk(1, 2, 8000, 0, 16), data), "block align 0 does not match 2 channels of 16 bits (want 4)", 32},
		{"bits=12", buildRIFF(0, fmtChunk(1, 1, 8000, 2, 12), data), "unsupported PCM bit depth 12 (want 8, 16, 24 or 32)", 34},
		{"bits=0", buildRIFF(0, fmtChunk(1, 1, 8000, 0, 0), data), "unsupported PCM bit depth 0 (want 8, 16, 24 or 32)", 34},
		{"float16", buildRIFF(0, fmtChunk(3, 1, 8000, 2, 16), data), "unsupported float bit depth 16 (want 32 or 64)", 34},
		{"ima-adpcm", buildRIFF(0, fmtChunk(0x11, 1, 8000, 256, 4), data), "unsupported format code 0x0011 (IMA ADPCM)", 20},
		{"mulaw", buildRIFF(0, fmtChunk(7, 1, 8000, 1, 8), data), "unsupported format code 0x0007 (mu-law)", 20},
		{"code=0x1234", buildRIFF(0, fmtChunk(0x1234, 1, 8000, 1, 8), data), "unsupported format code 0x1234 (unknown)", 20},
		{"ext/short", buildRIFF(0, ext(1, nil), data), "extensible fmt chunk is 26 bytes, want 40", 16},
		{"ext/guid", buildRIFF(0, ext(1, make([]byte, 14)), data), "unsupported extensible sub-format GUID 0100" + strings.Repeat("00", 14), 44},
		{"ext/adpcm", buildRIFF(0, ext(2, guidTail[:]), data), "unsupported format code 0x0002 (MS ADPCM)", 44},
		{"fmt=14", buildRIFF(0, chunk{"fmt ", make([]byte, 14)}, data), "fmt chunk is 14 bytes, want at least 16", 16},
		{"fmt-twice", buildRIFF(0, fmtChunk(1, 1, 8000, 2, 16), fmtChunk(1, 1, 8000, 2, 16), data), "second fmt chunk", 36},
		{"no-fmt", buildRIFF(0, chunk{"LIST", []byte("INFO")}), "no fmt chunk", 24},
		{"no-data", buildRIFF(0, fmtChunk(1, 1, 8000, 2, 16)), "no data chunk", 36},
		{"data-first", buildRIFF(0, data, fmtChunk(1, 1, 8000, 2, 16)), "data chunk before fmt chunk", 12},
		{"huge-LIST", hugeLIST, `header cut short in "LIST" chunk (skipped 4 of 4294967040 bytes)`, 24},
		{"huge-fmt", hugeFmt, `header cut short in "fmt " chunk (skipped 0 of 2147483608 bytes)`, 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewReader(bytes.NewReader(tt.file))
			var fe *FormatError
			if d != nil || !errors.As(err, &fe) || !errors.Is(err, ErrFormat) || fe.Msg != tt.msg || fe.Offset != tt.off {
				t.Fatalf("got %v\nwant %q at byte offset %d", err, tt.msg, tt.off)
			}
		})
	}
}

func TestUnusualButValid(t *testing.T) {
	// 65535 channels of 8 bits: the largest frame the block-align field allows.
	frame := make([]byte, 2*65535)
	for i := range frame {
		frame[i] = 128 + 64 // 0.5 on every channel
	}
	file := buildRIFF(0, fmtChunk(1, 65535, 1, 65535, 8), chunk{"data", frame})
	got, rate, err := ReadAll(bytes.NewReader(file))
	if err != nil || rate != 1 || !slices.Equal(got, []float32{0.5, 0.5}) {
		t.Errorf("65535 channels: got %v at %d Hz, %v", got, rate, err)
	}

	// The largest sample rate the field holds is reported as is.
	file = buildRIFF(0, fmtChunk(1, 1, math.MaxUint32, 2, 16), chunk{"data", []byte{0, 0x20}})
	got, rate, err = ReadAll(bytes.NewReader(file))
	if err != nil || rate != math.MaxUint32 || !slices.Equal(got, []float32{0.25}) {
		t.Errorf("rate 2^32-1: got %v at %d Hz, %v", got, rate, err)
	}

	// A fmt chunk longer than 40 bytes, odd, with trailing bytes to skip.
	fc := fmtChunk(1, 1, 8000, 2, 16)
	fc.body = append(fc.body, make([]byte, 35)...)
	file = buildRIFF(0, fc, chunk{"data", []byte{0, 0xC0}})
	if got, _, err = ReadAll(bytes.NewReader(file)); err != nil || !slices.Equal(got, []float32{-0.5}) {
		t.Errorf("long fmt chunk: got %v, %v", got, err)
	}
}

func TestChunking(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	f := Format{Bits: 24, Extensible: true}
	in := gridSignal(rng, 3, 20011, f) // 180 kB: many refills of the 32 kB buffer
	full := encode(t, in, 44100, f)
	want := mixdown(in)
	cut := len(full) - 1001 // mid-frame
	sources := map[string]func([]byte) io.Reader{
		"bytes":    func(b []byte) io.Reader { return bytes.NewReader(b) },
		"onebyte":  func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) },
		"half":     func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) },
		"dataerr":  func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) },
		"onebyte2": func(b []byte) io.Reader { return iotest.DataErrReader(iotest.OneByteReader(bytes.NewReader(b))) },
	}
	for name, src := range sources {
		for _, n := range []int{1, 7, 4096, len(want) + 10} {
			got, err := readChunked(t, src(full), n)
			if err != nil || firstDiff(got, want) >= 0 {
				t.Fatalf("%s/dst=%d: %d samples, first difference at %d, err %v", name, n, len(got), firstDiff(got, want), err)
			}
			got, err = readChunked(t, src(full[:cut]), n)
			var te *TruncatedError
			nwant := (cut - 68) / 9
			if !errors.As(err, &te) || te.Offset != int64(cut) || firstDiff(got, want[:nwant]) >= 0 {
				t.Fatalf("%s/dst=%d truncated: %d samples, want %d, err %v", name, n, len(got), nwant, err)
			}
		}
	}
}

func TestSourceError(t *testing.T) {
	file := encode(t, [][]float32{make([]float32, 100)}, 8000, PCM16)
	boom := errors.New("boom")
	d, err := NewReader(io.MultiReader(bytes.NewReader(file[:100]), iotest.ErrReader(boom)))
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 1000)
	n, err := d.Read(dst)
	if n != 28 || err != nil {
		t.Fatalf("first Read = %d, %v; want 28, nil", n, err)
	}
	n, err = d.Read(dst)
	if n != 0 || !errors.Is(err, boom) || err.Error() != "wav: reading data at byte offset 100: boom" {
		t.Fatalf("second Read = %d, %v", n, err)
	}
	if _, err2 := d.Read(dst); err2 != err {
		t.Errorf("error not sticky: %v", err2)
	}
	_, err = NewReader(io.MultiReader(bytes.NewReader(file[:20]), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) || errors.Is(err, ErrFormat) {
		t.Errorf("header read error: %v", err)
	}
}

func TestReset(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var d Reader
	if _, err := d.Read(make([]float32, 1)); err == nil {
		t.Error("Read on zero Reader: no error")
	}
	for _, ft := range formats {
		in := gridSignal(rng, 2, 500, ft.f)
		if err := d.Reset(bytes.NewReader(encode(t, in, 32000, ft.f))); err != nil {
			t.Fatal(err)
		}
		var got []float32
		dst := make([]float32, 64)
		for {
			n, err := d.Read(dst)
			got = append(got, dst[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if firstDiff(got, mixdown(in)) >= 0 {
			t.Fatalf("%s after Reset: wrong samples", ft.name)
		}
	}
	if err := d.Reset(strings.NewReader("text")); !errors.Is(err, ErrFormat) {
		t.Fatalf("Reset(text) = %v", err)
	}
	if _, err := d.Read(make([]float32, 1)); !errors.Is(err, ErrFormat) {
		t.Errorf("Read after failed Reset = %v, want the format error", err)
	}
}

func TestReadAllocs(t *testing.T) {
	d, err := NewReader(newSynthWAV(48000, 1<<40, false, []byte{1, 2, 3, 4, 5, 6}))
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 1000)
	if a := testing.AllocsPerRun(100, func() { d.Read(dst) }); a != 0 {
		t.Errorf("Read allocates %v times per call", a)
	}
}

// TestLongStream decodes an hour of 48 kHz audio generated on the fly and
// checks every sample and that memory use stays bounded.
func TestLongStream(t *testing.T) {
	const rate = 48000
	seconds := int64(3600)
	if testing.Short() || raceEnabled {
		seconds = 120
	}
	// One period of 4801 samples (a prime, so it never lines up with the
	// reader's buffer) of seeded noise.
	rng := rand.New(rand.NewPCG(13, 14))
	period := make([]float32, 4801)
	pattern := make([]byte, 2*len(period))
	for i := range period {
		v := int16(rng.Uint32())
		period[i] = float32(v) / 32768
		binary.LittleEndian.PutUint16(pattern[2*i:], uint16(v))
	}
	for _, declare := range []bool{true, false} {
		t.Run(fmt.Sprintf("declared=%t", declare), func(t *testing.T) {
			frames := seconds * rate
			if !declare {
				frames = frames/4 + 1 // odd-length stream of unknown size
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)

			d, err := NewReader(newSynthWAV(rate, frames, declare, pattern))
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]float32, 3000)
			var total int64
			p := 0
			for {
				n, err := d.Read(dst)
				for _, x := range dst[:n] {
					if x != period[p] {
						t.Fatalf("sample %d: got %v, want %v", total, x, period[p])
					}
					total++
					if p++; p == len(period) {
						p = 0
					}
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			runtime.ReadMemStats(&after)
			if total != frames {
				t.Errorf("decoded %d samples, want %d", total, frames)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("allocated %d bytes decoding %d bytes of audio", alloc, 2*frames)
			}
		})
	}
}
