package payload

import (
	"encoding/binary"

	"unicode/utf8"
)

// MatterInfo is one element of a Matter QR payload's optional data (Matter
// 5.1.5): a context tag (0x00 the serial number, 0x01 to 0x7F Matter's,
// 0x80 to 0xFF the vendor's) with a string or an integer.
type MatterInfo struct {
	Tag    uint8
	String *string
	Int    *int64
}

// parseMatterTLV reads the optional data after the packed bits: one
// anonymous Matter TLV structure (Matter Core Specification appendix A)
// of context-tagged strings and integers. off is where it starts in the
// payload's bytes, for errors.
func parseMatterTLV(b []byte, off int) ([]MatterInfo, error) {
	bad := func(at int, msg string, args ...any) error {
		return synErr("matter", "optional data", off+at, msg, args...)
	}
	if len(b) < 2 || b[0] != 0x15 {
		return nil, bad(0, "optional data is not an anonymous TLV structure")
	}
	var out []MatterInfo
	i := 1
	for {
		if i >= len(b) {
			return nil, bad(i, "TLV structure has no end")
		}
		ctl := b[i]
		if ctl == 0x18 {
			i++
			break
		}
		if ctl>>5 != 1 {
			return nil, bad(i, "element has tag control %d, want a context tag (1)", ctl>>5)
		}
		if i+1 >= len(b) {
			return nil, bad(i, "element ends before its tag")
		}
		info := MatterInfo{Tag: b[i+1]}
		at := i
		i += 2
		typ := ctl & 0x1f
		size := func(n int) (uint64, error) {
			if i+n > len(b) {
				return 0, bad(at, "element ends early")
			}
			var v uint64
			for k := n - 1; k >= 0; k-- {
				v = v<<8 | uint64(b[i+k])
			}
			i += n
			return v, nil
		}
		switch {
		case typ <= 0x07: // signed then unsigned integers of 1, 2, 4, 8 bytes
			n := 1 << (typ & 3)
			v, err := size(n)
			if err != nil {
				return nil, err
			}
			x := int64(v)
			if typ <= 0x03 && n < 8 && v>>(8*n-1) != 0 {
				x -= 1 << (8 * n)
			}
			if typ >= 0x04 && n == 8 && v>>63 != 0 {
				return nil, bad(at, "unsigned integer %d is too large", v)
			}
			info.Int = &x
		case typ >= 0x0c && typ <= 0x0f: // UTF-8 string, length of 1, 2, 4, 8 bytes
			n, err := size(1 << (typ & 3))
			if err != nil {
				return nil, err
			}
			if n > uint64(len(b)-i) {
				return nil, bad(at, "string of %d bytes runs past the data", n)
			}
			s := b[i : i+int(n)]
			if !utf8.Valid(s) {
				return nil, bad(i, "string is not UTF-8")
			}
			str := string(s)
			info.String = &str
			i += int(n)
		default:
			return nil, bad(at, "element type 0x%02x is not a string or integer", typ)
		}
		out = append(out, info)
	}
	if i != len(b) {
		return nil, bad(i, "%d bytes follow the TLV structure", len(b)-i)
	}
	return out, nil
}

// appendMatterTLV writes optional data as parseMatterTLV reads it, each
// integer in the fewest bytes.
func appendMatterTLV(dst []byte, infos []MatterInfo) ([]byte, error) {
	dst = append(dst, 0x15)
	for _, in := range infos {
		switch {
		case in.String != nil:
			s := *in.String
			if len(s) > 0xffff {
				return nil, valErr("matter", "optional data", 0, "string of tag %d is longer than 65535 bytes", in.Tag)
			}
			if len(s) <= 0xff {
				dst = append(dst, 0x20|0x0c, in.Tag, byte(len(s)))
			} else {
				dst = binary.LittleEndian.AppendUint16(append(dst, 0x20|0x0d, in.Tag), uint16(len(s)))
			}
			dst = append(dst, s...)
		case in.Int != nil:
			v := *in.Int
			switch {
			case v >= -128 && v <= 127:
				dst = append(dst, 0x20|0x00, in.Tag, byte(v))
			case v >= -32768 && v <= 32767:
				dst = binary.LittleEndian.AppendUint16(append(dst, 0x20|0x01, in.Tag), uint16(v))
			case v >= -1<<31 && v <= 1<<31-1:
				dst = binary.LittleEndian.AppendUint32(append(dst, 0x20|0x02, in.Tag), uint32(v))
			default:
				dst = binary.LittleEndian.AppendUint64(append(dst, 0x20|0x03, in.Tag), uint64(v))
			}
		default:
			return nil, valErr("matter", "optional data", 0, "element with tag %d has no value", in.Tag)
		}
	}
	return append(dst, 0x18), nil
}
