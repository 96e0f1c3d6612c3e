package relay

import (
	"encoding/binary"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// Every WebSocket message between a client and the relay is binary: one
// type byte, then a body whose shape depends on the type.
const (
	msgHello     = 'H' // client → relay: version, role, nameplate
	msgWelcome   = 'W' // relay → client: the claim is accepted; limits
	msgJoined    = 'J' // relay → client: the other side is here
	msgData      = 'D' // both ways: opaque bytes, forwarded as they are
	msgFail      = 'F' // client → relay: this side gives up; a reason
	msgKeepalive = 'K' // client → relay: still here; never forwarded
)

// protocolVersion is the version byte of a hello.
const protocolVersion = 1

// Bounds on the fields of the messages.
const (
	MaxNameplateLen = 64  // bytes in a nameplate or reconnect channel
	maxReasonLen    = 200 // bytes in the reason of a fail message
	welcomeLen      = 1 + 4 + 4
)

// A MessageError reports a relay message that does not parse.
type MessageError struct {
	Type   byte   // the message's type byte, or 0 when it had none
	Offset int    // where in the message the problem is
	Reason string // what is wrong
}

func (e *MessageError) Error() string {
	if e.Type == 0 {
		return fmt.Sprintf("relay: bad message at offset %d: %s", e.Offset, e.Reason)
	}
	return fmt.Sprintf("relay: bad %q message at offset %d: %s", e.Type, e.Offset, e.Reason)
}

func badMessage(typ byte, off int, format string, args ...any) error {
	return &MessageError{Type: typ, Offset: off, Reason: fmt.Sprintf(format, args...)}
}

// hello opens a connection: the side's role and the nameplate it claims.
type hello struct {
	role      Role
	nameplate string
}

func (h hello) marshal() []byte {
	b := make([]byte, 0, 3+len(h.nameplate))
	b = append(b, msgHello, protocolVersion, byte(h.role))
	return append(b, h.nameplate...)
}

func parseHello(b []byte) (hello, error) {
	if len(b) == 0 {
		return hello{}, badMessage(0, 0, "empty message")
	}
	if b[0] != msgHello {
		return hello{}, badMessage(b[0], 0, "want a hello first")
	}
	if len(b) < 3 {
		return hello{}, badMessage(msgHello, len(b), "truncated hello")
	}
	if b[1] != protocolVersion {
		return hello{}, badMessage(msgHello, 1, "protocol version %d, this relay speaks %d", b[1], protocolVersion)
	}
	role := Role(b[2])
	if !role.valid() {
		return hello{}, badMessage(msgHello, 2, "unknown role %d", b[2])
	}
	np := string(b[3:])
	if i, err := checkNameplate(np); err != nil {
		return hello{}, badMessage(msgHello, 3+i, "%v", err)
	}
	return hello{role: role, nameplate: np}, nil
}

// checkNameplate reports whether s is 1 to MaxNameplateLen bytes of
// lower-case letters, digits and hyphens, and where it is not.
func checkNameplate(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("empty nameplate")
	}
	if len(s) > MaxNameplateLen {
		return MaxNameplateLen, fmt.Errorf("nameplate longer than %d bytes", MaxNameplateLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return i, fmt.Errorf("nameplate has byte 0x%02x; want a-z, 0-9 or -", c)
		}
	}
	return 0, nil
}

// welcome tells a client its claim is accepted and what the relay allows.
type welcome struct {
	maxMessage int           // largest message the relay accepts, bytes
	idle       time.Duration // silence after which the relay hangs up
}

func (w welcome) marshal() []byte {
	b := make([]byte, welcomeLen)
	b[0] = msgWelcome
	binary.BigEndian.PutUint32(b[1:], uint32(w.maxMessage))
	binary.BigEndian.PutUint32(b[5:], uint32(w.idle/time.Millisecond))
	return b
}

func parseWelcome(b []byte) (welcome, error) {
	if len(b) == 0 || b[0] != msgWelcome {
		return welcome{}, badMessage(first(b), 0, "want a welcome")
	}
	if len(b) != welcomeLen {
		return welcome{}, badMessage(msgWelcome, min(len(b), welcomeLen), "welcome is %d bytes, want %d", len(b), welcomeLen)
	}
	w := welcome{
		maxMessage: int(binary.BigEndian.Uint32(b[1:])),
		idle:       time.Duration(binary.BigEndian.Uint32(b[5:])) * time.Millisecond,
	}
	if w.maxMessage < minMessageBytes || w.maxMessage > maxMessageBytes {
		return welcome{}, badMessage(msgWelcome, 1, "message limit %d bytes outside [%d, %d]", w.maxMessage, minMessageBytes, maxMessageBytes)
	}
	if w.idle < time.Second {
		return welcome{}, badMessage(msgWelcome, 5, "idle timeout %v below 1s", w.idle)
	}
	return w, nil
}

// failMessage is a side giving up, with a reason for the other side.
func failMessage(reason string) []byte {
	reason = clip(reason, maxReasonLen)
	return append([]byte{msgFail}, reason...)
}

// parseFail returns the reason carried by a fail message.
func parseFail(b []byte) (string, error) {
	if len(b) == 0 || b[0] != msgFail {
		return "", badMessage(first(b), 0, "want a fail message")
	}
	r := b[1:]
	if len(r) > maxReasonLen {
		return "", badMessage(msgFail, 1+maxReasonLen, "reason longer than %d bytes", maxReasonLen)
	}
	if !utf8.Valid(r) {
		return "", badMessage(msgFail, 1, "reason is not UTF-8")
	}
	for i, c := range string(r) {
		if !unicode.IsPrint(c) {
			return "", badMessage(msgFail, 1+i, "unprintable character %U in reason", c)
		}
	}
	return string(r), nil
}

// checkEmpty checks a message that has a type byte and no body.
func checkEmpty(b []byte, typ byte) error {
	if len(b) == 0 || b[0] != typ {
		return badMessage(first(b), 0, "want a %q message", typ)
	}
	if len(b) != 1 {
		return badMessage(typ, 1, "%d unexpected bytes", len(b)-1)
	}
	return nil
}

func first(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// clip shortens s to at most n bytes without splitting a UTF-8 sequence and
// replaces every character that is not printable (C0 and C1 controls, so
// terminal escapes; bidirectional overrides; invalid UTF-8) with '?', so
// any string makes a valid reason and is safe to print.
func clip(s string, n int) string {
	out := make([]byte, 0, min(len(s), n))
	for _, c := range s {
		if !unicode.IsPrint(c) || c == utf8.RuneError {
			c = '?'
		}
		if len(out)+utf8.RuneLen(c) > n {
			break
		}
		out = utf8.AppendRune(out, c)
	}
	return string(out)
}

// parseClientMessage checks a message a client sent after its hello and
// returns its type.
func parseClientMessage(b []byte) (byte, error) {
	switch first(b) {
	case msgData:
		return msgData, nil
	case msgKeepalive:
		return msgKeepalive, checkEmpty(b, msgKeepalive)
	case msgFail:
		_, err := parseFail(b)
		return msgFail, err
	case msgHello:
		return 0, badMessage(msgHello, 0, "second hello")
	case 0:
		if len(b) == 0 {
			return 0, badMessage(0, 0, "empty message")
		}
	}
	return 0, badMessage(b[0], 0, "not a message a client sends")
}

// parseRelayMessage checks a message the relay sent after its welcome and
// returns its type and, for data, the bytes it carries.
func parseRelayMessage(b []byte) (byte, []byte, error) {
	switch first(b) {
	case msgData:
		return msgData, b[1:], nil
	case msgJoined:
		return msgJoined, nil, checkEmpty(b, msgJoined)
	case 0:
		if len(b) == 0 {
			return 0, nil, badMessage(0, 0, "empty message")
		}
	}
	return 0, nil, badMessage(b[0], 0, "not a message the relay sends")
}
