package wav

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
)

// bufSize is the size of the Reader's byte buffer; a frame larger than this
// (at most 65535 bytes, the limit of the block-align field) gets a buffer of
// its own size instead.
const bufSize = 32 << 10

// unknownSize is the RIFF and data size written by streaming encoders that
// cannot seek back (ffmpeg on a pipe, for one).
const unknownSize = 0xFFFFFFFF

// sampleKind selects the decoding loop.
type sampleKind uint8

const (
	kindU8 sampleKind = iota
	kindS16
	kindS24
	kindS32
	kindF32
	kindF64
)

// Reader decodes the data chunk of a WAV stream into mono float32 samples.
// See the package documentation for the conversion of each encoding.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	src io.Reader

	rate     int
	channels int
	bits     int
	float    bool
	kind     sampleKind
	frame    int // bytes per frame (block align)

	dataStart int64 // file offset of the first data byte
	dataSize  int64 // declared data bytes, -1 when unknown
	consumed  int64 // data bytes taken from src so far

	buf        []byte
	start, end int   // undecoded bytes are buf[start:end]
	srcErr     error // error from src not yet reported (data came with it)
	err        error // sticky error returned by Read

	off int64    // header parse position
	hdr [40]byte // header scratch space, the longest fmt chunk read
}

// NewReader reads the RIFF/WAVE header from r up to the first byte of the
// data chunk and returns a Reader for the samples. It reads nothing past that
// point, and never more than a fixed amount at once.
//
// A data size of 0xFFFFFFFF, or of 0 when the RIFF size is 0, 0xFFFFFFFF or
// ends before the data chunk does, is taken to mean "not known" (as written by
// encoders streaming to a pipe): Read then decodes until r reports io.EOF,
// and [Reader.Frames] is -1.
//
// Errors in the header are [*FormatError]s; errors from r other than
// io.EOF are returned wrapped.
func NewReader(r io.Reader) (*Reader, error) {
	d := new(Reader)
	if err := d.Reset(r); err != nil {
		return nil, err
	}
	return d, nil
}

// Reset discards the Reader's state and reads a new header from r, keeping
// the buffer it has already allocated. After an error, Read returns that
// error.
func (r *Reader) Reset(src io.Reader) error {
	buf := r.buf
	if cap(buf) < bufSize {
		buf = make([]byte, bufSize)
	}
	*r = Reader{src: src, buf: buf[:cap(buf)], dataSize: -1}
	if err := r.readHeader(); err != nil {
		r.err = err
		return err
	}
	return nil
}

// SampleRate returns the sample rate in Hz, as declared (any value ≥ 1).
func (r *Reader) SampleRate() int { return r.rate }

// Channels returns the number of interleaved channels in the file; Read
// mixes them down to one.
func (r *Reader) Channels() int { return r.channels }

// BitsPerSample returns the size in bits of one sample of one channel
// (the container size for WAVE_FORMAT_EXTENSIBLE).
func (r *Reader) BitsPerSample() int { return r.bits }

// Float reports whether the samples are IEEE floating point.
func (r *Reader) Float() bool { return r.float }

// Frames returns the number of frames the data chunk declares (one frame
// holds one sample of every channel), or -1 when the size is not known.
func (r *Reader) Frames() int64 {
	if r.dataSize < 0 {
		return -1
	}
	return r.dataSize / int64(r.frame)
}

func formatErr(off int64, format string, args ...any) error {
	return &FormatError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func isEOF(err error) bool {
	return err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)
}

// readFull reads len(p) header bytes, advancing r.off by what it got. what
// names the part being read for the error when the input ends early.
func (r *Reader) readFull(p []byte, what string) error {
	n, err := io.ReadFull(r.src, p)
	r.off += int64(n)
	if err == nil {
		return nil
	}
	if isEOF(err) {
		return formatErr(r.off, "header cut short in %s", what)
	}
	return fmt.Errorf("wav: reading header at byte offset %d: %w", r.off, err)
}

// skip discards n bytes of the chunk with the given id, reading them into
// the sample buffer (io.CopyN would allocate).
func (r *Reader) skip(n int64, id [4]byte) error {
	var got int64
	for empty := 0; got < n; {
		k, err := r.src.Read(r.buf[:min(n-got, int64(len(r.buf)))])
		if k < 0 || k > len(r.buf) {
			return fmt.Errorf("wav: reading header at byte offset %d: invalid Read count %d", r.off, k)
		}
		got += int64(k)
		r.off += int64(k)
		switch {
		case got == n:
			return nil
		case isEOF(err):
			return formatErr(r.off, "header cut short in %q chunk (skipped %d of %d bytes)", string(id[:]), got, n)
		case err != nil:
			return fmt.Errorf("wav: reading header at byte offset %d: %w", r.off, err)
		case k == 0:
			if empty++; empty >= 100 {
				return fmt.Errorf("wav: reading header at byte offset %d: %w", r.off, io.ErrNoProgress)
			}
		}
	}
	return nil
}

func (r *Reader) readHeader() error {
	h := r.hdr[:12]
	n, err := io.ReadFull(r.src, h)
	r.off = int64(n)
	if err != nil && !isEOF(err) {
		return fmt.Errorf("wav: reading header at byte offset %d: %w", r.off, err)
	}
	switch {
	case n == 0:
		return formatErr(0, "empty input, not a RIFF/WAVE file")
	case n >= 4 && string(h[:4]) == "RIFX":
		return formatErr(0, "big-endian RIFX files are not supported")
	case n >= 4 && string(h[:4]) == "RF64":
		return formatErr(0, "RF64 files are not supported")
	case !bytes.HasPrefix([]byte("RIFF"), h[:min(n, 4)]):
		return formatErr(0, "not a RIFF/WAVE file")
	case n > 8 && !bytes.HasPrefix([]byte("WAVE"), h[8:n]):
		return formatErr(8, "not a RIFF/WAVE file (RIFF form type %q)", h[8:n])
	case n < 12:
		return formatErr(r.off, "header cut short in RIFF header")
	}
	riffSize := binary.LittleEndian.Uint32(h[4:8])

	haveFmt := false
	for {
		chunkStart := r.off
		ch := r.hdr[:8]
		n, err := io.ReadFull(r.src, ch)
		r.off += int64(n)
		if n == 0 && err == io.EOF {
			if haveFmt {
				return formatErr(r.off, "no data chunk")
			}
			return formatErr(r.off, "no fmt chunk")
		}
		if err != nil {
			if isEOF(err) {
				return formatErr(r.off, "header cut short in chunk header")
			}
			return fmt.Errorf("wav: reading header at byte offset %d: %w", r.off, err)
		}
		var id [4]byte
		copy(id[:], ch)
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch string(id[:]) {
		case "fmt ":
			if haveFmt {
				return formatErr(chunkStart, "second fmt chunk")
			}
			if size < 16 {
				return formatErr(chunkStart+4, "fmt chunk is %d bytes, want at least 16", size)
			}
			body := r.hdr[:min(size, int64(len(r.hdr)))]
			if err := r.readFull(body, "fmt chunk"); err != nil {
				return err
			}
			if err := r.skip(size-int64(len(body))+size&1, id); err != nil {
				return err
			}
			if err := r.parseFmt(body, chunkStart+8); err != nil {
				return err
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return formatErr(chunkStart, "data chunk before fmt chunk")
			}
			r.dataStart = r.off
			switch {
			case size == unknownSize:
				r.dataSize = -1
			case size == 0 && (riffSize == 0 || riffSize == unknownSize || int64(riffSize)+8 <= r.off):
				r.dataSize = -1
			default:
				r.dataSize = size
			}
			if len(r.buf) < r.frame {
				r.buf = make([]byte, r.frame)
			}
			return nil
		default:
			if err := r.skip(size+size&1, id); err != nil {
				return err
			}
		}
	}
}

// parseFmt checks the fmt chunk body b, which starts at file offset off.
func (r *Reader) parseFmt(b []byte, off int64) error {
	le := binary.LittleEndian
	code := le.Uint16(b[0:])
	channels := int(le.Uint16(b[2:]))
	rate := int64(le.Uint32(b[4:]))
	blockAlign := int(le.Uint16(b[12:]))
	bits := int(le.Uint16(b[14:]))

	codeOff := off
	if code == formatExtensible {
		if len(b) < 40 {
			return formatErr(off-4, "extensible fmt chunk is %d bytes, want 40", len(b))
		}
		if !bytes.Equal(b[26:40], guidTail[:]) {
			return formatErr(off+24, "unsupported extensible sub-format GUID %x", b[24:40])
		}
		code = le.Uint16(b[24:])
		codeOff = off + 24
	}
	switch code {
	case formatPCM:
		switch bits {
		case 8:
			r.kind = kindU8
		case 16:
			r.kind = kindS16
		case 24:
			r.kind = kindS24
		case 32:
			r.kind = kindS32
		default:
			return formatErr(off+14, "unsupported PCM bit depth %d (want 8, 16, 24 or 32)", bits)
		}
	case formatFloat:
		switch bits {
		case 32:
			r.kind = kindF32
		case 64:
			r.kind = kindF64
		default:
			return formatErr(off+14, "unsupported float bit depth %d (want 32 or 64)", bits)
		}
		r.float = true
	default:
		return formatErr(codeOff, "unsupported format code 0x%04x (%s)", code, formatName(code))
	}
	if channels == 0 {
		return formatErr(off+2, "fmt chunk declares 0 channels")
	}
	if rate == 0 {
		return formatErr(off+4, "fmt chunk declares a sample rate of 0 Hz")
	}
	if want := channels * bits / 8; blockAlign != want {
		return formatErr(off+12, "block align %d does not match %d channels of %d bits (want %d)", blockAlign, channels, bits, want)
	}
	r.channels, r.rate, r.bits, r.frame = channels, int(rate), bits, blockAlign
	return nil
}

// Read decodes up to len(dst) mono samples into dst and returns how many it
// wrote. It returns io.EOF at the end of the data; a [*TruncatedError] if the
// data stopped short, after first returning every whole frame before that
// point. Errors are sticky. Read calls the underlying reader only when its
// buffer holds less than a frame, and then only until it holds one (so a
// pipe is never waited on for more than one frame); it allocates nothing.
func (r *Reader) Read(dst []float32) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.frame == 0 {
		return 0, errors.New("wav: Read on a Reader that has no header; use NewReader")
	}
	if len(dst) == 0 {
		return 0, nil
	}
	if r.end-r.start < r.frame {
		if err := r.fill(); err != nil {
			r.err = err
			return 0, err
		}
	}
	n := min(len(dst), (r.end-r.start)/r.frame)
	nb := n * r.frame
	r.decode(dst[:n], r.buf[r.start:r.start+nb])
	r.start += nb
	return n, nil
}

// fill moves the partial frame left in the buffer to its front and reads
// until the buffer holds at least one whole frame.
func (r *Reader) fill() error {
	r.end = copy(r.buf, r.buf[r.start:r.end])
	r.start = 0
	for empty := 0; r.end < r.frame; {
		if r.srcErr != nil {
			return r.endErr(r.srcErr)
		}
		limit := len(r.buf)
		if r.dataSize >= 0 {
			left := r.dataSize - r.consumed
			if left == 0 {
				// A declared size that is not a whole number of frames
				// leaves a partial frame: ignore it.
				return io.EOF
			}
			limit = r.end + int(min(left, int64(limit-r.end)))
		}
		n, err := r.src.Read(r.buf[r.end:limit])
		if n < 0 || n > limit-r.end {
			return fmt.Errorf("wav: reading data at byte offset %d: invalid Read count %d", r.dataStart+r.consumed, n)
		}
		r.end += n
		r.consumed += int64(n)
		r.srcErr = err
		if n == 0 && err == nil {
			if empty++; empty >= 100 {
				return fmt.Errorf("wav: reading data at byte offset %d: %w", r.dataStart+r.consumed, io.ErrNoProgress)
			}
		}
	}
	return nil
}

// endErr turns the error that ended the input into the one Read returns.
func (r *Reader) endErr(err error) error {
	at := r.dataStart + r.consumed
	if !isEOF(err) {
		return fmt.Errorf("wav: reading data at byte offset %d: %w", at, err)
	}
	if (r.dataSize >= 0 && r.consumed < r.dataSize) || (r.dataSize < 0 && r.end > 0) {
		return &TruncatedError{Offset: at, Want: r.dataSize, Got: r.consumed}
	}
	return io.EOF
}

// decode converts len(dst) whole frames from src. The loops shrink their
// slices as they go so the compiler can drop bounds checks; mono (and
// stereo 16-bit) have loops of their own, the hot paths.
func (r *Reader) decode(dst []float32, src []byte) {
	le := binary.LittleEndian
	frame := r.frame
	div := float64(r.channels)
	switch r.kind {
	case kindU8:
		if frame == 1 {
			for len(dst) >= 4 && len(src) >= 4 {
				d, s := dst[:4:4], src[:4:4]
				d[0] = float32(int32(s[0])-128) * (1.0 / 128)
				d[1] = float32(int32(s[1])-128) * (1.0 / 128)
				d[2] = float32(int32(s[2])-128) * (1.0 / 128)
				d[3] = float32(int32(s[3])-128) * (1.0 / 128)
				dst, src = dst[4:], src[4:]
			}
			for i := range dst {
				dst[i] = float32(int32(src[i])-128) * (1.0 / 128)
			}
			return
		}
		for i := range dst {
			f := src[:frame]
			src = src[frame:]
			var sum int64
			for _, v := range f {
				sum += int64(v) - 128
			}
			dst[i] = float32(float64(sum) / (div * 128))
		}
	case kindS16:
		switch frame {
		case 2:
			for len(dst) >= 4 && len(src) >= 8 {
				d, s := dst[:4:4], src[:8:8]
				d[0] = float32(int16(le.Uint16(s[0:]))) * (1.0 / (1 << 15))
				d[1] = float32(int16(le.Uint16(s[2:]))) * (1.0 / (1 << 15))
				d[2] = float32(int16(le.Uint16(s[4:]))) * (1.0 / (1 << 15))
				d[3] = float32(int16(le.Uint16(s[6:]))) * (1.0 / (1 << 15))
				dst, src = dst[4:], src[8:]
			}
			for len(dst) > 0 && len(src) >= 2 {
				dst[0] = float32(int16(le.Uint16(src))) * (1.0 / (1 << 15))
				dst, src = dst[1:], src[2:]
			}
		case 4:
			for len(dst) >= 2 && len(src) >= 8 {
				d, s := dst[:2:2], src[:8:8]
				d[0] = float32(int32(int16(le.Uint16(s[0:])))+int32(int16(le.Uint16(s[2:])))) * (1.0 / (1 << 16))
				d[1] = float32(int32(int16(le.Uint16(s[4:])))+int32(int16(le.Uint16(s[6:])))) * (1.0 / (1 << 16))
				dst, src = dst[2:], src[8:]
			}
			for len(dst) > 0 && len(src) >= 4 {
				dst[0] = float32(int32(int16(le.Uint16(src)))+int32(int16(le.Uint16(src[2:])))) * (1.0 / (1 << 16))
				dst, src = dst[1:], src[4:]
			}
		default:
			for i := range dst {
				f := src[:frame]
				src = src[frame:]
				var sum int64
				for ; len(f) >= 2; f = f[2:] {
					sum += int64(int16(le.Uint16(f)))
				}
				dst[i] = float32(float64(sum) / (div * (1 << 15)))
			}
		}
	case kindS24:
		if frame == 3 {
			for len(dst) >= 4 && len(src) >= 12 {
				d, s := dst[:4:4], src[:12:12]
				d[0] = float32(s24(s[0:])) * (1.0 / (1 << 23))
				d[1] = float32(s24(s[3:])) * (1.0 / (1 << 23))
				d[2] = float32(s24(s[6:])) * (1.0 / (1 << 23))
				d[3] = float32(s24(s[9:])) * (1.0 / (1 << 23))
				dst, src = dst[4:], src[12:]
			}
			for len(dst) > 0 && len(src) >= 3 {
				dst[0] = float32(s24(src)) * (1.0 / (1 << 23))
				dst, src = dst[1:], src[3:]
			}
			return
		}
		for i := range dst {
			f := src[:frame]
			src = src[frame:]
			var sum int64
			for ; len(f) >= 3; f = f[3:] {
				sum += int64(s24(f))
			}
			dst[i] = float32(float64(sum) / (div * (1 << 23)))
		}
	case kindS32:
		if frame == 4 {
			for len(dst) >= 4 && len(src) >= 16 {
				d, s := dst[:4:4], src[:16:16]
				d[0] = float32(int32(le.Uint32(s[0:]))>>8) * (1.0 / (1 << 23))
				d[1] = float32(int32(le.Uint32(s[4:]))>>8) * (1.0 / (1 << 23))
				d[2] = float32(int32(le.Uint32(s[8:]))>>8) * (1.0 / (1 << 23))
				d[3] = float32(int32(le.Uint32(s[12:]))>>8) * (1.0 / (1 << 23))
				dst, src = dst[4:], src[16:]
			}
			for len(dst) > 0 && len(src) >= 4 {
				dst[0] = float32(int32(le.Uint32(src))>>8) * (1.0 / (1 << 23))
				dst, src = dst[1:], src[4:]
			}
			return
		}
		for i := range dst {
			f := src[:frame]
			src = src[frame:]
			var sum int64
			for ; len(f) >= 4; f = f[4:] {
				sum += int64(int32(le.Uint32(f)) >> 8)
			}
			dst[i] = float32(float64(sum) / (div * (1 << 23)))
		}
	case kindF32:
		if frame == 4 {
			for len(dst) > 0 && len(src) >= 4 {
				dst[0] = clean32(math.Float32frombits(le.Uint32(src)))
				dst, src = dst[1:], src[4:]
			}
			return
		}
		for i := range dst {
			f := src[:frame]
			src = src[frame:]
			var sum float64
			for ; len(f) >= 4; f = f[4:] {
				sum += float64(clean32(math.Float32frombits(le.Uint32(f))))
			}
			dst[i] = float32(sum / div)
		}
	case kindF64:
		for i := range dst {
			f := src[:frame]
			src = src[frame:]
			var sum float64
			for ; len(f) >= 8; f = f[8:] {
				sum += clean(math.Float64frombits(le.Uint64(f)))
			}
			dst[i] = float32(sum / div)
		}
	}
}

// s24 returns the signed little-endian 24-bit integer at b[0:3].
func s24(b []byte) int32 {
	_ = b[2]
	return int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8
}

// clean32 is clean for float32.
func clean32(x float32) float32 {
	switch {
	case x >= -1 && x <= 1:
		return x
	case x > 1 && x <= math.MaxFloat32:
		return 1
	case x < -1 && x >= -math.MaxFloat32:
		return -1
	}
	return 0
}

// clean maps NaN and ±Inf to 0 and clamps other values to [-1, 1].
func clean(x float64) float64 {
	switch {
	case x >= -1 && x <= 1:
		return x
	case x > 1 && x <= math.MaxFloat64:
		return 1
	case x < -1 && x >= -math.MaxFloat64:
		return -1
	}
	return 0
}

// ReadAll decodes a whole WAV stream into mono samples, for tests and small
// files; use [NewReader] for long ones. When the data is truncated it returns
// the samples before the cut together with the [*TruncatedError].
func ReadAll(r io.Reader) (samples []float32, rate int, err error) {
	d, err := NewReader(r)
	if err != nil {
		return nil, 0, err
	}
	if f := d.Frames(); f > 0 {
		// Trust the header only so far: a lying one must not cost memory.
		samples = make([]float32, 0, min(f, 1<<20))
	}
	for {
		if len(samples) == cap(samples) {
			samples = slices.Grow(samples, 4096)
		}
		n, err := d.Read(samples[len(samples):cap(samples)])
		samples = samples[:len(samples)+n]
		if err == io.EOF {
			return samples, d.rate, nil
		}
		if err != nil {
			return samples, d.rate, err
		}
	}
}
