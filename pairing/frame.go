package pairing

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Every handshake message is one frame: a type byte, a big-endian 16-bit
// payload length, and the payload.
//
//	type (1) | length (2) | payload (length ≤ MaxFrame)
const (
	frameHeader = 3
	// MaxFrame is the largest handshake payload in bytes; a longer frame
	// fails the handshake before its payload is read.
	MaxFrame = 2048
)

type msgType byte

const (
	msgOffer     msgType = 1  // joiner → host: challenges the joiner can take
	msgChallenge msgType = 2  // host → joiner: the challenge chosen
	msgCPaceA    msgType = 3  // joiner → host: version, sid, Ya, ADa
	msgCPaceB    msgType = 4  // host → joiner: Yb, ADb, Tb, sealed capabilities
	msgConfirmA  msgType = 5  // joiner → host: Ta, sealed capabilities
	msgDone      msgType = 6  // host → joiner: sealed acceptance
	msgAbort     msgType = 7  // either way: why the sender gave up
	msgReconA    msgType = 8  // reconnect: version, initiator's ephemeral key
	msgReconB    msgType = 9  // reconnect: responder's ephemeral key, sealed identity, signature, tag
	msgReconC    msgType = 10 // reconnect: initiator's sealed identity, signature, tag
	msgAck       msgType = 11 // joiner → host: sealed acceptance of done
	msgHello     msgType = 12 // host → joiner: version, the host's half of the session id
	msgReconD    msgType = 13 // reconnect: responder's sealed acceptance of the initiator
)

func (t msgType) String() string {
	names := [...]string{"", "offer", "challenge", "cpace-a", "cpace-b", "confirm-a", "done", "abort", "reconnect-a", "reconnect-b", "reconnect-c", "ack", "hello", "reconnect-d"}
	if int(t) < len(names) && t != 0 {
		return names[t]
	}
	return fmt.Sprintf("type-%d", byte(t))
}

// ErrProtocol is matched by every error for a malformed, unexpected,
// tampered or oversized message.
var ErrProtocol = errors.New("pairing: protocol error")

// ProtocolError says what was wrong with a message and which one.
type ProtocolError struct {
	Msg  string // message type, as named in the protocol
	What string
}

func (e *ProtocolError) Error() string {
	if e.Msg == "" {
		return "pairing: protocol error: " + e.What
	}
	return "pairing: protocol error in " + e.Msg + " message: " + e.What
}

func (e *ProtocolError) Unwrap() error { return ErrProtocol }

func protoErr(t msgType, format string, args ...any) error {
	return &ProtocolError{Msg: t.String(), What: fmt.Sprintf(format, args...)}
}

func writeFrame(w io.Writer, t msgType, payload []byte) error {
	if len(payload) > MaxFrame {
		return fmt.Errorf("pairing: %s message of %d bytes exceeds %d", t, len(payload), MaxFrame)
	}
	buf := make([]byte, frameHeader+len(payload))
	buf[0] = byte(t)
	binary.BigEndian.PutUint16(buf[1:], uint16(len(payload)))
	copy(buf[frameHeader:], payload)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("pairing: sending %s: %w", t, err)
	}
	return nil
}

// readFrame reads one frame. A stream that ends between frames gives
// io.EOF; one that ends inside a frame gives io.ErrUnexpectedEOF.
func readFrame(r io.Reader) (msgType, []byte, error) {
	var h [frameHeader]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	t := msgType(h[0])
	n := int(binary.BigEndian.Uint16(h[1:]))
	if n > MaxFrame {
		return t, nil, protoErr(t, "frame of %d bytes exceeds %d", n, MaxFrame)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return t, nil, err
	}
	return t, p, nil
}

// ErrPeerGone is matched when the stream ends or fails mid-handshake.
var ErrPeerGone = errors.New("pairing: peer went away")

// expect reads the next frame and requires type want. An abort frame
// becomes the peer's [*AbortError].
func expect(r io.Reader, want msgType) ([]byte, error) {
	t, p, err := readFrame(r)
	if err != nil {
		if errors.Is(err, ErrProtocol) {
			return nil, err
		}
		return nil, fmt.Errorf("%w waiting for %s: %v", ErrPeerGone, want, err)
	}
	if t == msgAbort {
		return nil, parseAbort(p)
	}
	if t != want {
		return nil, protoErr(t, "got %s, want %s", t, want)
	}
	return p, nil
}

// reader walks a payload; the first failure sticks.
type reader struct {
	t   msgType
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = protoErr(r.t, format, args...)
	}
}

func (r *reader) bytes(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b) < n {
		r.fail("truncated %s: %d bytes left, want %d", what, len(r.b), n)
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) byte(what string) byte {
	b := r.bytes(1, what)
	if b == nil {
		return 0
	}
	return b[0]
}

func (r *reader) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad length of %s", what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// lv reads a length-prefixed field of at most max bytes.
func (r *reader) lv(max int, what string) []byte {
	n := r.uvarint(what)
	if r.err != nil {
		return nil
	}
	if n > uint64(max) {
		r.fail("%s of %d bytes exceeds %d", what, n, max)
		return nil
	}
	return r.bytes(int(n), what)
}

func (r *reader) rest() []byte {
	if r.err != nil {
		return nil
	}
	out := r.b
	r.b = nil
	return out
}

func (r *reader) end() error {
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d bytes after the end", len(r.b))
	}
	return r.err
}
