// Package wav reads and writes RIFF/WAVE files, the way warble's command
// line takes a recording instead of a microphone and writes a transmission
// instead of playing it.
//
// [Reader] streams: [NewReader] parses the header up to the start of the
// data chunk and [Reader.Read] then decodes a fixed-size buffer at a time,
// so an hour-long recording (or an endless one on a pipe) decodes in bounded
// memory. Every supported encoding is mixed down to mono float32:
//
//	8-bit PCM (unsigned)    x = (v - 128) / 128
//	16-bit PCM              x = v / 2^15
//	24-bit PCM              x = v / 2^23
//	32-bit PCM              x = (v >> 8) / 2^23   (the low byte is below float32 precision)
//	32/64-bit IEEE float    x = v, NaN and ±Inf read as 0, others clamped to [-1, 1]
//	several channels        x = (x_1 + ... + x_c) / c
//
// so integer samples land in [-1, 1) and float samples in [-1, 1].
// WAVE_FORMAT_EXTENSIBLE files with a PCM or float sub-format are read like
// the plain ones. Chunks other than "fmt " and "data" (LIST, fact, bext,
// ...) are skipped, odd-sized ones with their pad byte.
//
// [Encode] writes mono 16-bit PCM to any [io.Writer], stdout included, and
// [Writer] streams the same to an [io.WriteSeeker], patching the sizes on
// [Writer.Close]. [EncodeFormat] writes every encoding the reader accepts,
// which tests use to make fixtures.
//
// Bad input gives a [*FormatError] (errors.Is [ErrFormat]) for a header that
// is not WAV, is cut short or is unsupported, and a [*TruncatedError]
// (errors.Is [ErrTruncated]) for a data chunk that ends early; both say at
// which byte offset of the file the problem lies.
package wav

import (
	"errors"
	"fmt"
)

// ErrFormat is matched by errors.Is for every [*FormatError].
var ErrFormat = errors.New("wav: invalid or unsupported format")

// ErrTruncated is matched by errors.Is for every [*TruncatedError].
var ErrTruncated = errors.New("wav: truncated data chunk")

// FormatError reports a header that is not RIFF/WAVE, is cut short, or
// describes an encoding this package does not read.
type FormatError struct {
	Offset int64  // byte offset in the file where the problem was found
	Msg    string // what is wrong, lower case
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("wav: %s at byte offset %d", e.Msg, e.Offset)
}

// Is reports whether target is [ErrFormat].
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

// TruncatedError reports a data chunk that ended before its declared size,
// or (when the size was not declared) in the middle of a frame. The whole
// frames before Offset have already been returned by [Reader.Read].
type TruncatedError struct {
	Offset int64 // byte offset in the file where the data stopped
	Want   int64 // data bytes declared by the chunk header, -1 if unknown
	Got    int64 // data bytes found
}

func (e *TruncatedError) Error() string {
	if e.Want < 0 {
		return fmt.Sprintf("wav: truncated data chunk at byte offset %d (size not declared, found %d bytes ending mid-frame)", e.Offset, e.Got)
	}
	return fmt.Sprintf("wav: truncated data chunk at byte offset %d (declared %d bytes, found %d)", e.Offset, e.Want, e.Got)
}

// Is reports whether target is [ErrTruncated].
func (e *TruncatedError) Is(target error) bool { return target == ErrTruncated }

// Format codes of the fmt chunk.
const (
	formatPCM        = 0x0001
	formatFloat      = 0x0003
	formatExtensible = 0xFFFE
)

// guidTail is bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID derived from
// a format code (xxxxxxxx-0000-0010-8000-00aa00389b71); bytes 0..1 hold the
// code, little-endian.
var guidTail = [14]byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}

// formatName names the commoner format codes in error messages.
func formatName(code uint16) string {
	switch code {
	case 0x0002:
		return "MS ADPCM"
	case 0x0006:
		return "A-law"
	case 0x0007:
		return "mu-law"
	case 0x0011:
		return "IMA ADPCM"
	case 0x0031:
		return "GSM 6.10"
	case 0x0050:
		return "MPEG"
	case 0x0055:
		return "MPEG layer 3"
	case 0x00FF:
		return "AAC"
	case 0x1610:
		return "HE-AAC"
	case 0xF1AC:
		return "FLAC"
	}
	return "unknown"
}
