package wav

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Format describes how [EncodeFormat] stores samples.
type Format struct {
	Bits       int  // bits per sample: 8, 16, 24 or 32 for PCM; 32 or 64 for float
	Float      bool // IEEE floating point instead of integer PCM
	Extensible bool // write a WAVE_FORMAT_EXTENSIBLE fmt chunk
}

// PCM16 is the format [Encode] and [Writer] write.
var PCM16 = Format{Bits: 16}

// maxData is the largest data chunk the 32-bit RIFF sizes can describe
// with room for the longest header this package writes.
const maxData = math.MaxUint32 - 128

// check validates f for the given channel count and rate.
func (f Format) check(channels, rate int) error {
	switch {
	case f.Float && f.Bits != 32 && f.Bits != 64:
		return fmt.Errorf("wav: float samples of %d bits are not supported (want 32 or 64)", f.Bits)
	case !f.Float && f.Bits != 8 && f.Bits != 16 && f.Bits != 24 && f.Bits != 32:
		return fmt.Errorf("wav: PCM samples of %d bits are not supported (want 8, 16, 24 or 32)", f.Bits)
	case channels < 1:
		return fmt.Errorf("wav: %d channels, want at least 1", channels)
	case channels*f.Bits/8 > math.MaxUint16:
		return fmt.Errorf("wav: %d channels of %d bits do not fit a WAV frame", channels, f.Bits)
	case rate < 1 || int64(rate)*int64(channels*f.Bits/8) > math.MaxUint32:
		return fmt.Errorf("wav: sample rate %d Hz is out of range", rate)
	}
	return nil
}

// appendHeader appends everything before the samples: the RIFF header, the
// fmt chunk, a fact chunk for float data, and the data chunk header. A
// negative dataSize writes the 0xFFFFFFFF "size unknown" markers.
func appendHeader(b []byte, f Format, channels, rate int, dataSize int64) []byte {
	le := binary.LittleEndian
	frame := channels * f.Bits / 8
	code := uint16(formatPCM)
	if f.Float {
		code = formatFloat
	}
	fmtSize := 16
	switch {
	case f.Extensible:
		fmtSize = 40
	case f.Float:
		fmtSize = 18 // cbSize is required for non-PCM formats
	}
	headerLen := 12 + 8 + fmtSize + 8
	if f.Float {
		headerLen += 12
	}
	riffSize, dataField, frames := uint32(unknownSize), uint32(unknownSize), uint32(unknownSize)
	if dataSize >= 0 {
		riffSize = uint32(int64(headerLen) - 8 + dataSize + dataSize&1)
		dataField = uint32(dataSize)
		frames = uint32(dataSize / int64(frame))
	}

	b = append(b, "RIFF"...)
	b = le.AppendUint32(b, riffSize)
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, uint32(fmtSize))
	if f.Extensible {
		b = le.AppendUint16(b, formatExtensible)
	} else {
		b = le.AppendUint16(b, code)
	}
	b = le.AppendUint16(b, uint16(channels))
	b = le.AppendUint32(b, uint32(rate))
	b = le.AppendUint32(b, uint32(rate*frame))
	b = le.AppendUint16(b, uint16(frame))
	b = le.AppendUint16(b, uint16(f.Bits))
	switch {
	case f.Extensible:
		b = le.AppendUint16(b, 22) // cbSize
		b = le.AppendUint16(b, uint16(f.Bits))
		mask := uint32(0)
		switch {
		case channels == 1:
			mask = 0x4 // front centre
		case channels <= 18:
			mask = 1<<channels - 1
		}
		b = le.AppendUint32(b, mask)
		b = le.AppendUint16(b, code)
		b = append(b, guidTail[:]...)
	case f.Float:
		b = le.AppendUint16(b, 0) // cbSize
	}
	if f.Float {
		b = append(b, "fact"...)
		b = le.AppendUint32(b, 4)
		b = le.AppendUint32(b, frames)
	}
	b = append(b, "data"...)
	return le.AppendUint32(b, dataField)
}

// quantize rounds x·2^(bits-1) to the nearest integer, clamped to the
// signed range of bits; NaN becomes 0.
func quantize(x float32, bits int) int64 {
	full := float64(int64(1) << (bits - 1))
	v := float64(x) * full
	switch {
	case v >= full-1:
		return int64(full) - 1
	case v <= -full:
		return -int64(full)
	case v == v:
		return int64(math.Round(v))
	}
	return 0
}

// appendSample appends one sample in format f.
func appendSample(b []byte, x float32, f Format) []byte {
	le := binary.LittleEndian
	switch {
	case f.Float && f.Bits == 32:
		return le.AppendUint32(b, math.Float32bits(x))
	case f.Float:
		return le.AppendUint64(b, math.Float64bits(float64(x)))
	case f.Bits == 8:
		return append(b, byte(quantize(x, 8)+128))
	case f.Bits == 16:
		return le.AppendUint16(b, uint16(quantize(x, 16)))
	case f.Bits == 24:
		v := quantize(x, 24)
		return append(b, byte(v), byte(v>>8), byte(v>>16))
	}
	return le.AppendUint32(b, uint32(quantize(x, 32)))
}

// Encode writes samples to w as a mono 16-bit PCM WAV file at rate Hz.
// Samples are scaled by 2^15, rounded to the nearest integer and clamped to
// [-32768, 32767]; NaN is written as 0. Encode never seeks, so w may be a
// pipe.
func Encode(w io.Writer, samples []float32, rate int) error {
	return EncodeFormat(w, [][]float32{samples}, rate, PCM16)
}

// EncodeFormat writes a WAV file in format f with one slice of samples per
// channel, all of the same length. Integer formats round and clamp as
// [Encode] does (8-bit PCM is stored offset by 128); float formats store the
// samples unchanged, NaN and out-of-range values included, which makes
// EncodeFormat useful for test fixtures. It never seeks.
func EncodeFormat(w io.Writer, channels [][]float32, rate int, f Format) error {
	if err := f.check(len(channels), rate); err != nil {
		return err
	}
	frames := len(channels[0])
	for c, s := range channels {
		if len(s) != frames {
			return fmt.Errorf("wav: channel %d has %d samples, channel 0 has %d", c, len(s), frames)
		}
	}
	frame := len(channels) * f.Bits / 8
	dataSize := int64(frames) * int64(frame)
	if dataSize > maxData {
		return fmt.Errorf("wav: %d bytes of samples exceed the 4 GiB limit of a WAV file", dataSize)
	}
	buf := appendHeader(make([]byte, 0, max(8<<10, frame)), f, len(channels), rate, dataSize)
	for i := range frames {
		if len(buf)+frame > cap(buf) {
			if _, err := w.Write(buf); err != nil {
				return fmt.Errorf("wav: %w", err)
			}
			buf = buf[:0]
		}
		for _, s := range channels {
			buf = appendSample(buf, s[i], f)
		}
	}
	if dataSize&1 == 1 {
		buf = append(buf, 0) // RIFF pad byte
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("wav: %w", err)
	}
	return nil
}

// Writer streams mono 16-bit PCM samples to a WAV file. The header it
// writes first declares the sizes unknown (0xFFFFFFFF, which streaming
// readers including this package's understand); Close seeks back and fills
// them in.
//
// A Writer is not safe for concurrent use.
type Writer struct {
	w      io.WriteSeeker
	base   int64 // offset of the RIFF header in w
	n      int64 // data bytes written
	buf    []byte
	err    error // sticky
	closed bool
}

// headerLen16 is the length of the header appendHeader writes for PCM16.
const headerLen16 = 44

// NewWriter writes a WAV header for mono 16-bit samples at rate Hz to w, at
// w's current offset.
func NewWriter(w io.WriteSeeker, rate int) (*Writer, error) {
	if err := PCM16.check(1, rate); err != nil {
		return nil, err
	}
	base, err := w.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("wav: %w", err)
	}
	wr := &Writer{w: w, base: base, buf: make([]byte, 0, 8<<10)}
	if _, err := w.Write(appendHeader(wr.buf, PCM16, 1, rate, -1)); err != nil {
		return nil, fmt.Errorf("wav: %w", err)
	}
	return wr, nil
}

// Write appends samples, rounded and clamped as by [Encode].
func (wr *Writer) Write(samples []float32) error {
	if wr.err != nil {
		return wr.err
	}
	if wr.closed {
		return errors.New("wav: write to closed Writer")
	}
	if wr.n+2*int64(len(samples)) > maxData {
		wr.err = fmt.Errorf("wav: %d bytes of samples exceed the 4 GiB limit of a WAV file", wr.n+2*int64(len(samples)))
		return wr.err
	}
	for len(samples) > 0 {
		k := min(len(samples), cap(wr.buf)/2)
		b := wr.buf[:2*k]
		for i, x := range samples[:k] {
			binary.LittleEndian.PutUint16(b[2*i:], uint16(quantize(x, 16)))
		}
		if _, err := wr.w.Write(b); err != nil {
			wr.err = fmt.Errorf("wav: %w", err)
			return wr.err
		}
		wr.n += int64(len(b))
		samples = samples[k:]
	}
	return nil
}

// Close writes the RIFF and data chunk sizes into the header and leaves w
// positioned after the last sample. It does not close w.
func (wr *Writer) Close() error {
	if wr.closed || wr.err != nil {
		return wr.err
	}
	wr.closed = true
	le := binary.LittleEndian
	var b [4]byte
	for _, p := range []struct {
		at   int64
		size uint32
	}{
		{4, uint32(headerLen16 - 8 + wr.n)},
		{headerLen16 - 4, uint32(wr.n)},
	} {
		le.PutUint32(b[:], p.size)
		if _, err := wr.w.Seek(wr.base+p.at, io.SeekStart); err != nil {
			wr.err = fmt.Errorf("wav: patching sizes: %w", err)
			return wr.err
		}
		if _, err := wr.w.Write(b[:]); err != nil {
			wr.err = fmt.Errorf("wav: patching sizes: %w", err)
			return wr.err
		}
	}
	if _, err := wr.w.Seek(wr.base+headerLen16+wr.n, io.SeekStart); err != nil {
		wr.err = fmt.Errorf("wav: %w", err)
		return wr.err
	}
	return nil
}
