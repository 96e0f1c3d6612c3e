package peers

// A minimal WAV reader and writer, private to this package: just enough to
// hand samples to a peer and read back what it wrote.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
)

// wavFormat is a WAV sample encoding this package writes.
type wavFormat int

const (
	wavPCM16   wavFormat = iota // 16-bit signed PCM, clipped to [-1, 1)
	wavFloat32                  // 32-bit IEEE float, samples as given
)

const (
	wavTagPCM        = 1
	wavTagFloat      = 3
	wavTagExtensible = 0xfffe
)

// writeWAV writes samples as a mono WAV file of the given rate and format.
func writeWAV(path string, samples []float32, rate int, format wavFormat) error {
	if rate <= 0 {
		return fmt.Errorf("peers: wav: sample rate %d Hz is not positive", rate)
	}
	tag, bits := uint16(wavTagPCM), 16
	if format == wavFloat32 {
		tag, bits = wavTagFloat, 32
	}
	blockAlign := bits / 8
	dataSize := len(samples) * blockAlign
	if dataSize > math.MaxUint32-36 {
		return fmt.Errorf("peers: wav: %d samples do not fit a WAV file", len(samples))
	}
	b := make([]byte, 44, 44+dataSize)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+dataSize))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], tag)
	binary.LittleEndian.PutUint16(b[22:], 1) // mono
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(rate*blockAlign))
	binary.LittleEndian.PutUint16(b[32:], uint16(blockAlign))
	binary.LittleEndian.PutUint16(b[34:], uint16(bits))
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(dataSize))
	for _, s := range samples {
		if format == wavFloat32 {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(s))
			continue
		}
		v := math.Round(float64(s) * 32768)
		v = max(-32768, min(32767, v))
		b = binary.LittleEndian.AppendUint16(b, uint16(int16(v)))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("peers: wav: %w", err)
	}
	return nil
}

// errWAV marks a file this reader cannot use.
var errWAV = errors.New("peers: wav: unreadable")

// readWAV reads a WAV file of 16-bit PCM or 32-bit float samples, averaging
// channels to mono. It returns the samples and the sample rate in Hz.
func readWAV(path string) ([]float32, int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("peers: wav: %w", err)
	}
	return parseWAV(b)
}

func parseWAV(b []byte) ([]float32, int, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, fmt.Errorf("%w: not a RIFF/WAVE file", errWAV)
	}
	var (
		tag, channels, bits uint16
		rate                uint32
		haveFmt             bool
		data                []byte
		haveData            bool
	)
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		size := int(binary.LittleEndian.Uint32(b[off+4:]))
		body := off + 8
		if size < 0 || size > len(b)-body {
			size = len(b) - body // truncated, or written while streaming
		}
		chunk := b[body : body+size]
		switch id {
		case "fmt ":
			if size < 16 {
				return nil, 0, fmt.Errorf("%w: fmt chunk of %d bytes at offset %d", errWAV, size, off)
			}
			tag = binary.LittleEndian.Uint16(chunk[0:])
			channels = binary.LittleEndian.Uint16(chunk[2:])
			rate = binary.LittleEndian.Uint32(chunk[4:])
			bits = binary.LittleEndian.Uint16(chunk[14:])
			if tag == wavTagExtensible && size >= 26 {
				tag = binary.LittleEndian.Uint16(chunk[24:]) // sub-format GUID's first two bytes
			}
			haveFmt = true
		case "data":
			data, haveData = chunk, true
		}
		off = body + size + size&1
	}
	switch {
	case !haveFmt:
		return nil, 0, fmt.Errorf("%w: no fmt chunk", errWAV)
	case !haveData:
		return nil, 0, fmt.Errorf("%w: no data chunk", errWAV)
	case channels == 0:
		return nil, 0, fmt.Errorf("%w: zero channels", errWAV)
	case rate == 0 || rate > math.MaxInt32:
		return nil, 0, fmt.Errorf("%w: sample rate %d Hz", errWAV, rate)
	}
	var sample func([]byte) float32
	switch {
	case tag == wavTagPCM && bits == 16:
		sample = func(p []byte) float32 { return float32(int16(binary.LittleEndian.Uint16(p))) / 32768 }
	case tag == wavTagFloat && bits == 32:
		sample = func(p []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(p)) }
	default:
		return nil, 0, fmt.Errorf("%w: format %d with %d bits per sample", errWAV, tag, bits)
	}
	width := int(bits / 8)
	frame := width * int(channels)
	out := make([]float32, len(data)/frame)
	for i := range out {
		var sum float32
		for c := range int(channels) {
			sum += sample(data[i*frame+c*width:])
		}
		out[i] = sum / float32(channels)
	}
	return out, int(rate), nil
}
