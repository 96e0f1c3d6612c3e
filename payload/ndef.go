package payload

import (
	"bytes"
	"fmt"
	"strings"
)

// TNF is an NDEF record's Type Name Format: how to read its type field.
type TNF uint8

// The type name formats of NDEF 1.0, section 3.2.6.
const (
	TNFEmpty       TNF = 0 // no type, ID or payload
	TNFWellKnown   TNF = 1 // NFC Forum well-known type (RTD), such as "T" or "U"
	TNFMedia       TNF = 2 // media type (RFC 2046), such as "text/plain"
	TNFAbsoluteURI TNF = 3 // absolute URI (RFC 3986)
	TNFExternal    TNF = 4 // NFC Forum external type, "domain:type"
	TNFUnknown     TNF = 5 // payload of unknown type; no type field
	TNFUnchanged   TNF = 6 // a middle or last chunk of a chunked record
	tnfReserved    TNF = 7
)

func (t TNF) String() string {
	switch t {
	case TNFEmpty:
		return "empty"
	case TNFWellKnown:
		return "well-known"
	case TNFMedia:
		return "media"
	case TNFAbsoluteURI:
		return "absolute-uri"
	case TNFExternal:
		return "external"
	case TNFUnknown:
		return "unknown"
	case TNFUnchanged:
		return "unchanged"
	}
	return fmt.Sprintf("reserved(%d)", uint8(t))
}

// Header flag bits, NDEF 1.0 section 3.2.
const (
	flagMB  = 0x80 // message begin
	flagME  = 0x40 // message end
	flagCF  = 0x20 // chunk flag: more chunks of this record follow
	flagSR  = 0x10 // short record: one-byte payload length
	flagIL  = 0x08 // an ID length field is present
	tnfMask = 0x07
)

// Record is one logical NDEF record; chunked records are joined when a
// message is parsed.
type Record struct {
	TNF     TNF
	Type    []byte
	ID      []byte
	Payload []byte
}

// Message is an NDEF message: one or more records.
type Message []Record

// MaxMessage is the largest NDEF message [ParseMessage] accepts, far more
// than any frame or QR code holds.
const MaxMessage = 1 << 20

func (r Record) check(i int) error {
	field := func(f string) string { return fmt.Sprintf("record %d %s", i, f) }
	switch r.TNF {
	case TNFEmpty:
		if len(r.Type)+len(r.ID)+len(r.Payload) != 0 {
			return synErr("ndef", field("tnf"), 0, "an empty record has no type, id or payload")
		}
	case TNFWellKnown, TNFMedia, TNFAbsoluteURI, TNFExternal:
		if len(r.Type) == 0 {
			return synErr("ndef", field("type"), 0, "a %s record needs a type", r.TNF)
		}
		if err := checkType(r.TNF, r.Type); err != nil {
			return synErr("ndef", field("type"), 0, "%v", err)
		}
	case TNFUnknown:
		if len(r.Type) != 0 {
			return synErr("ndef", field("type"), 0, "an unknown-type record has no type")
		}
	default:
		return synErr("ndef", field("tnf"), 0, "tnf %d cannot start a record", r.TNF)
	}
	if len(r.Type) > 255 || len(r.ID) > 255 {
		return synErr("ndef", field("type"), 0, "type and id are at most 255 bytes")
	}
	return nil
}

// checkType checks a record type's characters for its TNF.
func checkType(t TNF, typ []byte) error {
	for _, c := range typ {
		if c < 0x20 || c > 0x7e {
			return fmt.Errorf("type %q has a byte outside printable ASCII", typ)
		}
	}
	switch t {
	case TNFMedia:
		if i := bytes.IndexByte(typ, '/'); i < 1 || i == len(typ)-1 || bytes.IndexByte(typ, ' ') >= 0 {
			return fmt.Errorf("media type %q is not type/subtype", typ)
		}
	case TNFExternal:
		if i := bytes.IndexByte(typ, ':'); i < 1 || i == len(typ)-1 || bytes.IndexByte(typ, ' ') >= 0 {
			return fmt.Errorf("external type %q is not domain:type", typ)
		}
	}
	return nil
}

// appendRecord appends one record (or chunk) with the given flags.
func appendRecord(dst []byte, flags byte, tnf TNF, typ, id, payload []byte) []byte {
	h := flags | byte(tnf)
	if len(payload) <= 255 {
		h |= flagSR
	}
	if len(id) > 0 {
		h |= flagIL
	}
	dst = append(dst, h, byte(len(typ)))
	if h&flagSR != 0 {
		dst = append(dst, byte(len(payload)))
	} else {
		n := len(payload)
		dst = append(dst, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	if len(id) > 0 {
		dst = append(dst, byte(len(id)))
	}
	dst = append(dst, typ...)
	dst = append(dst, id...)
	return append(dst, payload...)
}

// Marshal encodes the message, each record unchunked (short records where
// the payload fits in 255 bytes).
func (m Message) Marshal() ([]byte, error) {
	if len(m) == 0 {
		return nil, synErr("ndef", "message", 0, "a message has at least one record")
	}
	var b []byte
	for i, r := range m {
		if err := r.check(i); err != nil {
			return nil, err
		}
		var f byte
		if i == 0 {
			f |= flagMB
		}
		if i == len(m)-1 {
			f |= flagME
		}
		b = appendRecord(b, f, r.TNF, r.Type, r.ID, r.Payload)
	}
	if len(b) > MaxMessage {
		return nil, fmt.Errorf("payload: ndef message is %d bytes, more than %d: %w", len(b), MaxMessage, ErrTooLong)
	}
	return b, nil
}

// rawRecord is one record or chunk as it stands in the bytes.
type rawRecord struct {
	flags   byte
	tnf     TNF
	typ     []byte
	id      []byte
	payload []byte
	off     int // where its header byte is
}

// readRaw reads the record at b[off:].
func readRaw(b []byte, off, i int) (rawRecord, int, error) {
	field := func(f string) string { return fmt.Sprintf("record %d %s", i, f) }
	start := off
	if off >= len(b) {
		return rawRecord{}, 0, synErr("ndef", field("header"), off, "message ends before the record")
	}
	h := b[off]
	r := rawRecord{flags: h &^ tnfMask, tnf: TNF(h & tnfMask), off: off}
	off++
	if off >= len(b) {
		return rawRecord{}, 0, synErr("ndef", field("type length"), off, "message ends inside the header")
	}
	tl := int(b[off])
	off++
	var pl int
	if h&flagSR != 0 {
		if off >= len(b) {
			return rawRecord{}, 0, synErr("ndef", field("payload length"), off, "message ends inside the header")
		}
		pl = int(b[off])
		off++
	} else {
		if off+4 > len(b) {
			return rawRecord{}, 0, synErr("ndef", field("payload length"), off, "message ends inside the header")
		}
		n := uint32(b[off])<<24 | uint32(b[off+1])<<16 | uint32(b[off+2])<<8 | uint32(b[off+3])
		if n > MaxMessage {
			return rawRecord{}, 0, synErr("ndef", field("payload length"), off, "payload length %d is more than %d", n, MaxMessage)
		}
		pl = int(n)
		off += 4
	}
	il := 0
	if h&flagIL != 0 {
		if off >= len(b) {
			return rawRecord{}, 0, synErr("ndef", field("id length"), off, "message ends inside the header")
		}
		il = int(b[off])
		off++
	}
	if len(b)-off < tl+il+pl {
		return rawRecord{}, 0, synErr("ndef", field("payload"), off, "record needs %d bytes after its header, %d are left", tl+il+pl, len(b)-off)
	}
	r.typ = b[off : off+tl]
	off += tl
	r.id = b[off : off+il]
	off += il
	r.payload = b[off : off+pl]
	off += pl
	switch r.tnf {
	case tnfReserved:
		return rawRecord{}, 0, synErr("ndef", field("tnf"), start, "tnf 7 is reserved")
	case TNFEmpty:
		if tl+il+pl != 0 {
			return rawRecord{}, 0, synErr("ndef", field("tnf"), start, "an empty record has type, id or payload")
		}
	case TNFUnknown, TNFUnchanged:
		if tl != 0 {
			return rawRecord{}, 0, synErr("ndef", field("type length"), start+1, "a %s record has no type", r.tnf)
		}
	default:
		if tl == 0 {
			return rawRecord{}, 0, synErr("ndef", field("type length"), start+1, "a %s record needs a type", r.tnf)
		}
		if err := checkType(r.tnf, r.typ); err != nil {
			return rawRecord{}, 0, synErr("ndef", field("type"), start+3, "%v", err)
		}
	}
	return r, off, nil
}

// ParseMessage decodes a whole NDEF message: MB on the first record, ME
// on the last, nothing after it, chunked records well formed (and joined).
func ParseMessage(b []byte) (Message, error) {
	if len(b) > MaxMessage {
		return nil, synErr("ndef", "message", MaxMessage, "message is longer than %d bytes", MaxMessage)
	}
	var m Message
	var chunk *Record // the chunked record being joined
	for off, i := 0, 0; ; i++ {
		r, next, err := readRaw(b, off, i)
		if err != nil {
			return nil, err
		}
		field := func(f string) string { return fmt.Sprintf("record %d %s", i, f) }
		if (i == 0) != (r.flags&flagMB != 0) {
			if i == 0 {
				return nil, synErr("ndef", field("mb flag"), off, "the first record must have MB set")
			}
			return nil, synErr("ndef", field("mb flag"), off, "only the first record may have MB set")
		}
		switch {
		case chunk != nil:
			if r.tnf != TNFUnchanged {
				return nil, synErr("ndef", field("tnf"), off, "a chunk after the first must have tnf unchanged (6), not %d", r.tnf)
			}
			if r.flags&flagIL != 0 {
				return nil, synErr("ndef", field("il flag"), off, "only the first chunk may have an id")
			}
			if len(chunk.Payload)+len(r.payload) > MaxMessage {
				return nil, synErr("ndef", field("payload"), off, "chunked payload is longer than %d bytes", MaxMessage)
			}
			chunk.Payload = append(chunk.Payload, r.payload...)
			if r.flags&flagCF == 0 {
				m = append(m, *chunk)
				chunk = nil
			}
		case r.tnf == TNFUnchanged:
			return nil, synErr("ndef", field("tnf"), off, "tnf unchanged (6) outside a chunked record")
		case r.flags&flagCF != 0:
			if r.tnf == TNFEmpty {
				return nil, synErr("ndef", field("cf flag"), off, "an empty record cannot be chunked")
			}
			chunk = &Record{TNF: r.tnf, Type: clone(r.typ), ID: clone(r.id), Payload: clone(r.payload)}
		default:
			m = append(m, Record{TNF: r.tnf, Type: clone(r.typ), ID: clone(r.id), Payload: clone(r.payload)})
		}
		if r.flags&flagME != 0 {
			if chunk != nil {
				return nil, synErr("ndef", field("me flag"), off, "the message ends inside a chunked record")
			}
			if next != len(b) {
				return nil, synErr("ndef", "message", next, "%d bytes follow the record with ME set", len(b)-next)
			}
			return m, nil
		}
		if next == len(b) {
			return nil, synErr("ndef", field("me flag"), off, "the last record does not have ME set")
		}
		off = next
	}
}

func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b)
}

// String summarises a record: its TNF, type and payload length.
func (r Record) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %q", r.TNF, r.Type)
	if len(r.ID) > 0 {
		fmt.Fprintf(&b, " id %q", r.ID)
	}
	fmt.Fprintf(&b, " %d bytes", len(r.Payload))
	return b.String()
}
