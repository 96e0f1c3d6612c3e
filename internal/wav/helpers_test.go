package wav

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"testing"
)

// chunk is one RIFF chunk for building test files by hand.
type chunk struct {
	id   string
	body []byte
}

// splitChunks parses a well-formed file made by EncodeFormat.
func splitChunks(t testing.TB, file []byte) []chunk {
	t.Helper()
	var out []chunk
	for b := file[12:]; len(b) >= 8; {
		size := int(binary.LittleEndian.Uint32(b[4:]))
		out = append(out, chunk{string(b[:4]), b[8 : 8+size]})
		b = b[8+size+size&1:]
	}
	return out
}

// buildRIFF assembles chunks into a RIFF/WAVE file with a correct RIFF size,
// padding odd chunks with pad.
func buildRIFF(pad byte, chunks ...chunk) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WAVE")
	for _, c := range chunks {
		b = append(b, c.id...)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(c.body)))
		b = append(b, c.body...)
		if len(c.body)&1 == 1 {
			b = append(b, pad)
		}
	}
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

// fmtChunk returns a plain fmt chunk with the given fields.
func fmtChunk(code, channels uint16, rate uint32, blockAlign, bits uint16) chunk {
	le := binary.LittleEndian
	b := le.AppendUint16(nil, code)
	b = le.AppendUint16(b, channels)
	b = le.AppendUint32(b, rate)
	b = le.AppendUint32(b, rate*uint32(blockAlign))
	b = le.AppendUint16(b, blockAlign)
	b = le.AppendUint16(b, bits)
	return chunk{"fmt ", b}
}

// encode returns EncodeFormat's output or fails the test.
func encode(t testing.TB, channels [][]float32, rate int, f Format) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := EncodeFormat(&buf, channels, rate, f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gridSignal returns seeded noise for each channel that the format stores
// exactly: multiples of 2^-(bits-1) for PCM (2^-23 for 32-bit PCM, whose
// low byte the reader drops), any float32 in [-1, 1) for float.
func gridSignal(rng *rand.Rand, channels, frames int, f Format) [][]float32 {
	out := make([][]float32, channels)
	for c := range out {
		s := make([]float32, frames)
		for i := range s {
			if f.Float {
				s[i] = float32(rng.Float64()*2 - 1)
				continue
			}
			q := min(f.Bits, 24)
			k := rng.Int64N(1<<q) - 1<<(q-1)
			s[i] = float32(float64(k) / float64(int64(1)<<(q-1)))
		}
		out[c] = s
	}
	return out
}

// mixdown is the reader's documented mono mix: the mean of the channels.
func mixdown(channels [][]float32) []float32 {
	out := make([]float32, len(channels[0]))
	for i := range out {
		var sum float64
		for _, s := range channels {
			sum += float64(s[i])
		}
		out[i] = float32(sum / float64(len(channels)))
	}
	return out
}

// readChunked decodes file with Read calls of dst size n through src.
func readChunked(t testing.TB, src io.Reader, n int) ([]float32, error) {
	t.Helper()
	d, err := NewReader(src)
	if err != nil {
		return nil, err
	}
	dst := make([]float32, n)
	var out []float32
	for {
		k, err := d.Read(dst)
		if k < 0 || k > len(dst) {
			t.Fatalf("Read returned n=%d for len(dst)=%d", k, len(dst))
		}
		out = append(out, dst[:k]...)
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return out, err
		}
	}
}

// synthWAV is an io.Reader producing a mono 16-bit WAV on the fly: the
// header, then frames samples repeating a period of pattern, never held
// whole in memory.
type synthWAV struct {
	head    []byte
	pattern []byte // one period of sample bytes
	left    int64  // sample bytes still to produce
	pos     int    // position in pattern
}

func newSynthWAV(rate int, frames int64, declare bool, pattern []byte) *synthWAV {
	size := int64(-1)
	if declare {
		size = 2 * frames
	}
	return &synthWAV{
		head:    appendHeader(nil, PCM16, 1, rate, size),
		pattern: pattern,
		left:    2 * frames,
	}
}

func (s *synthWAV) Read(p []byte) (int, error) {
	if len(s.head) > 0 {
		n := copy(p, s.head)
		s.head = s.head[n:]
		return n, nil
	}
	if s.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.left)]
	n := 0
	for n < len(p) {
		k := copy(p[n:], s.pattern[s.pos:])
		n += k
		s.pos = (s.pos + k) % len(s.pattern)
	}
	s.left -= int64(n)
	return n, nil
}
