package payload

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
)

// ExternalParts is the record that begins an NDEF message split across
// frames by [Split]: its payload is the number of frames (one byte) and
// the CRC-32 (IEEE, big-endian) of every byte of the frames after this
// record. It marks a frame as the first of a split message (a receiver
// takes no other unfinished message for one), and with it a receiver
// tells a whole message from one that lost a frame in the middle, which
// the chunks alone cannot show. [Reassembler] checks and removes it.
const ExternalParts = "warble.dev:parts"

const partsPayloadLen = 5

// partsRecordLen is the encoded size of the ExternalParts record.
var partsRecordLen = 3 + len(ExternalParts) + partsPayloadLen

// Split encodes m in frames of at most maxFrame bytes. A message that fits
// is one frame, the message itself. A longer one begins with an
// [ExternalParts] record and is split at record boundaries, a record that
// does not fit being cut into NDEF chunks (the first with the record's
// type and id and CF set, the rest of type unchanged); the frames joined
// are one valid NDEF message.
func Split(m Message, maxFrame int) ([][]byte, error) {
	whole, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	if len(whole) <= maxFrame {
		return [][]byte{whole}, nil
	}
	if maxFrame < partsRecordLen+8 {
		return nil, fmt.Errorf("payload: frames of %d bytes are too small to split a message into", maxFrame)
	}
	var frames [][]byte
	cur := appendRecord(nil, flagMB, TNFExternal, []byte(ExternalParts), nil, make([]byte, partsPayloadLen))
	flush := func() {
		if len(cur) > 0 {
			frames = append(frames, cur)
			cur = nil
		}
	}
	for i, r := range m {
		var me byte
		if i == len(m)-1 {
			me = flagME
		}
		rec := appendRecord(nil, me, r.TNF, r.Type, r.ID, r.Payload)
		if len(cur)+len(rec) <= maxFrame {
			cur = append(cur, rec...)
			continue
		}
		head := 3 + len(r.Type) + len(r.ID)
		if len(r.ID) > 0 {
			head++
		}
		if maxFrame-len(cur)-head < 1 {
			flush()
		}
		if maxFrame-head < 1 {
			return nil, fmt.Errorf("payload: record %d's type and id do not fit a %d-byte frame", i, maxFrame)
		}
		rest := r.Payload
		n := min(len(rest), maxFrame-len(cur)-head, 255)
		if n == len(rest) {
			cur = appendRecord(cur, me, r.TNF, r.Type, r.ID, rest)
			continue
		}
		cur = appendRecord(cur, flagCF, r.TNF, r.Type, r.ID, rest[:n])
		rest = rest[n:]
		for len(rest) > 0 {
			flush()
			n := min(len(rest), maxFrame-3, 255)
			flags := byte(flagCF)
			if n == len(rest) {
				flags = me
			}
			cur = appendRecord(cur, flags, TNFUnchanged, nil, nil, rest[:n])
			rest = rest[n:]
		}
	}
	flush()
	if len(frames) > 255 {
		return nil, fmt.Errorf("payload: message needs %d frames, more than 255: %w", len(frames), ErrTooLong)
	}
	h := crc32.NewIEEE()
	h.Write(frames[0][partsRecordLen:])
	for _, f := range frames[1:] {
		h.Write(f)
	}
	p := frames[0][partsRecordLen-partsPayloadLen : partsRecordLen]
	p[0] = byte(len(frames))
	binary.BigEndian.PutUint32(p[1:], h.Sum32())
	return frames, nil
}

// Status says what [Reassembler.Add] made of a frame.
type Status int

const (
	Plain  Status = iota // not part of a typed payload
	Part                 // a part of a split message; more to come
	Done                 // a typed payload is complete: Event.Typed
	Failed               // a typed payload was lost or malformed: Event.Err
)

// Event is one outcome of [Reassembler.Add] or [Reassembler.Flush].
type Event struct {
	Status Status
	Typed  Typed
	Parts  int // frames the payload came in
	Err    error
}

// Reassembler joins the frames of split NDEF messages ([Split]) as they
// arrive, in order. It is not safe for concurrent use.
type Reassembler struct {
	parts [][]byte
}

// Reset drops a message in progress.
func (r *Reassembler) Reset() { r.parts = nil }

// looseRecords reads b as a sequence of whole records (not necessarily a
// message) and reports whether any but the first has MB set and whether
// the last has ME set.
func looseRecords(b []byte) (first rawRecord, laterMB, lastME bool, ok bool) {
	if len(b) == 0 || printableText(b) {
		return rawRecord{}, false, false, false
	}
	for off, i := 0, 0; off < len(b); i++ {
		rr, next, err := readRaw(b, off, i)
		if err != nil {
			return rawRecord{}, false, false, false
		}
		if i == 0 {
			first = rr
		} else if rr.flags&flagMB != 0 {
			laterMB = true
		}
		lastME = rr.flags&flagME != 0
		if lastME && next != len(b) {
			return rawRecord{}, false, false, false
		}
		off = next
	}
	return first, laterMB, lastME, true
}

// Add takes the next frame and returns what it completed: nothing typed
// (Plain), a part, a whole payload, or a failure; a frame that starts a
// new message while one is in progress first reports the old one Failed
// with [ErrMissingPart].
func (r *Reassembler) Add(frame []byte) []Event {
	first, laterMB, lastME, ok := looseRecords(frame)
	if !ok || laterMB {
		return []Event{{Status: Plain}}
	}
	var ev []Event
	start := first.flags&flagMB != 0
	switch {
	case start:
		if !lastME && !first.isParts() {
			// Only a split message's first frame may leave it
			// unfinished, and that begins with the parts record.
			return []Event{{Status: Plain}}
		}
		if len(r.parts) > 0 {
			ev = append(ev, r.lost(fmt.Sprintf("a new message began after part %d", len(r.parts))))
		}
		r.parts = [][]byte{bytes.Clone(frame)}
	case len(r.parts) > 0:
		r.parts = append(r.parts, bytes.Clone(frame))
	case first.tnf == TNFUnchanged:
		return []Event{{Status: Failed, Err: fmt.Errorf("%w: got a middle or last part without the first", ErrMissingPart)}}
	default:
		return []Event{{Status: Plain}}
	}
	if !lastME {
		return append(ev, Event{Status: Part, Parts: len(r.parts)})
	}
	parts := r.parts
	r.parts = nil
	return append(ev, assemble(parts))
}

func (r *Reassembler) lost(why string) Event {
	n := len(r.parts)
	r.parts = nil
	return Event{Status: Failed, Parts: n, Err: fmt.Errorf("%w: %s, before the last", ErrMissingPart, why)}
}

// Flush ends the stream: a message still in progress is reported Failed.
func (r *Reassembler) Flush() []Event {
	if len(r.parts) == 0 {
		return nil
	}
	return []Event{r.lost(fmt.Sprintf("the frames ended after part %d", len(r.parts)))}
}

// assemble joins the parts and checks the ExternalParts record.
func assemble(parts [][]byte) Event {
	all := bytes.Join(parts, nil)
	m, err := ParseMessage(all)
	if err != nil {
		if len(parts) > 1 {
			err = fmt.Errorf("%w: the %d parts do not join into a message: %v", ErrMissingPart, len(parts), err)
		}
		return Event{Status: Failed, Parts: len(parts), Err: err}
	}
	if first := m[0]; first.Is(TNFExternal, ExternalParts) {
		if len(first.Payload) != partsPayloadLen || len(m) < 2 {
			return Event{Status: Failed, Parts: len(parts), Err: synErr("ndef", "parts record", 3+len(ExternalParts), "parts record is malformed")}
		}
		want := int(first.Payload[0])
		if want != len(parts) {
			return Event{Status: Failed, Parts: len(parts), Err: fmt.Errorf("%w: got %d of %d parts", ErrMissingPart, len(parts), want)}
		}
		if crc32.ChecksumIEEE(all[partsRecordLen:]) != binary.BigEndian.Uint32(first.Payload[1:]) {
			return Event{Status: Failed, Parts: len(parts), Err: fmt.Errorf("%w: the %d parts do not match their checksum (a part was lost or repeated)", ErrMissingPart, want)}
		}
		m = m[1:]
	} else if len(parts) > 1 {
		return Event{Status: Failed, Parts: len(parts), Err: fmt.Errorf("%w: %d parts without a parts record", ErrMissingPart, len(parts))}
	}
	t, err := FromNDEF(m)
	if err != nil {
		return Event{Status: Failed, Parts: len(parts), Err: err}
	}
	return Event{Status: Done, Typed: t, Parts: len(parts)}
}

// isParts reports whether a raw record is an ExternalParts record.
func (r rawRecord) isParts() bool {
	return r.tnf == TNFExternal && strings.EqualFold(string(r.typ), ExternalParts) && len(r.payload) == partsPayloadLen
}
