package pairing

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"
)

// ProtocolVersion is the version of the pairing protocol this package
// speaks; it travels in the host's hello, the first CPace message, the
// first reconnection message and [Info], and is bound into the CPace
// channel identifier and every transcript, so two sides that disagree on
// it never derive the same keys.
//
// Version 2: both sides contribute to the CPace session id (the host's
// hello), the version is bound into the transcripts, and the reconnection
// exchange encrypts the identities.
const ProtocolVersion = 2

// Transports a device can offer for later connections.
const (
	TransportLAN   = "lan"
	TransportRelay = "relay"
)

// Out-of-band challenges: how a code gets from the host to the joiner.
const (
	ChallengeCode  = "code"  // the host shows a code; a person types it
	ChallengeAudio = "audio" // the host chirps a code; the joiner's microphone hears it
	ChallengeQR    = "qr"    // the host shows a QR code; the joiner's camera reads it
	ChallengeFlash = "flash" // the host flashes a code; the joiner's light sensor reads it
)

// Limits on [Info] fields, in bytes.
const (
	MaxNameLen      = 64
	MaxKindLen      = 32
	MaxTransports   = 8
	MaxTransportLen = 32
	maxChallenges   = 16
)

// Info is what a device says about itself in the capability exchange.
type Info struct {
	Name       string   // shown to the user, e.g. "kitchen speaker"
	Kind       string   // device kind, e.g. "cli", "tv"
	Version    int      // protocol version; 0 means [ProtocolVersion]
	Transports []string // for later connections: [TransportLAN], [TransportRelay]
}

// Check reports whether the fields are within limits and printable.
func (in Info) Check() error {
	if err := checkText(in.Name, MaxNameLen, "name"); err != nil {
		return err
	}
	if err := checkText(in.Kind, MaxKindLen, "kind"); err != nil {
		return err
	}
	if in.Version < 0 || in.Version > 0xffff {
		return fmt.Errorf("pairing: protocol version %d out of range", in.Version)
	}
	if len(in.Transports) > MaxTransports {
		return fmt.Errorf("pairing: %d transports, at most %d", len(in.Transports), MaxTransports)
	}
	for _, t := range in.Transports {
		if t == "" {
			return errors.New("pairing: empty transport name")
		}
		if err := checkText(t, MaxTransportLen, "transport"); err != nil {
			return err
		}
	}
	return nil
}

func checkText(s string, max int, what string) error {
	if len(s) > max {
		return fmt.Errorf("pairing: %s is %d bytes, at most %d", what, len(s), max)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("pairing: %s is not UTF-8", what)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("pairing: %s has the unprintable character %U", what, r)
		}
	}
	return nil
}

func (in Info) marshal() []byte {
	v := in.Version
	if v == 0 {
		v = ProtocolVersion
	}
	out := []byte{byte(v >> 8), byte(v)}
	out = prependLen(out, []byte(in.Name))
	out = prependLen(out, []byte(in.Kind))
	out = append(out, byte(len(in.Transports)))
	for _, t := range in.Transports {
		out = prependLen(out, []byte(t))
	}
	return out
}

func parseInfo(r *reader) Info {
	var in Info
	v := r.bytes(2, "version")
	if v != nil {
		in.Version = int(v[0])<<8 | int(v[1])
	}
	in.Name = string(r.lv(MaxNameLen, "name"))
	in.Kind = string(r.lv(MaxKindLen, "kind"))
	n := int(r.byte("transport count"))
	if n > MaxTransports {
		r.fail("%d transports, at most %d", n, MaxTransports)
	}
	for i := 0; i < n && r.err == nil; i++ {
		in.Transports = append(in.Transports, string(r.lv(MaxTransportLen, "transport")))
	}
	if r.err == nil {
		if in.Version == 0 {
			r.fail("protocol version 0")
		} else if err := in.Check(); err != nil {
			r.fail("%v", err)
		}
	}
	return in
}

// capabilities is the sealed body of the capability exchange: the sender's
// Info, its Ed25519 public key, and its signature over the transcript.
type capabilities struct {
	info Info
	pub  ed25519.PublicKey
	sig  []byte
}

func (c capabilities) marshal() []byte {
	out := c.info.marshal()
	out = append(out, c.pub...)
	return append(out, c.sig...)
}

func parseCapabilities(t msgType, b []byte) (capabilities, error) {
	r := &reader{t: t, b: b}
	var c capabilities
	c.info = parseInfo(r)
	c.pub = ed25519.PublicKey(slices.Clone(r.bytes(ed25519.PublicKeySize, "identity key")))
	c.sig = slices.Clone(r.bytes(ed25519.SignatureSize, "identity signature"))
	return c, r.end()
}

// Abort reasons.
const (
	AbortWrongCode   = 1 // key confirmation failed: the codes differ
	AbortProtocol    = 2 // a malformed or unexpected message
	AbortBusy        = 3 // the host is already pairing with someone else
	AbortVersion     = 4 // the protocol versions cannot work together
	AbortNoChallenge = 5 // no out-of-band challenge both sides can use
	AbortRejected    = 6 // the peer's identity was refused
	AbortCanceled    = 7 // the user or a timeout ended the attempt
	AbortNegotiation = 8 // the peer saw another challenge negotiation
)

// ErrWrongCode is matched when the two sides' codes differ.
var ErrWrongCode = errors.New("pairing: the codes do not match (mistyped or wrong code); the code is used up, start again with a new one")

// AbortError is the reason a peer gave for ending the handshake.
type AbortError struct {
	Reason int
	Text   string // the peer's words, printable and at most 200 bytes
}

func (e *AbortError) Error() string {
	what := map[int]string{
		AbortWrongCode:   "wrong code",
		AbortProtocol:    "protocol error",
		AbortBusy:        "busy with another joiner",
		AbortVersion:     "incompatible version",
		AbortNoChallenge: "no challenge both sides can use",
		AbortRejected:    "identity refused",
		AbortCanceled:    "canceled",
		AbortNegotiation: "the challenge negotiation was tampered with",
	}[e.Reason]
	if what == "" {
		what = fmt.Sprintf("reason %d", e.Reason)
	}
	if e.Text != "" {
		return "pairing: peer gave up: " + what + ": " + e.Text
	}
	return "pairing: peer gave up: " + what
}

// Is matches an abort to [ErrWrongCode], [ErrBusy], [ErrNoChallenge],
// [ErrNegotiation] or [ErrNotPaired] by its reason.
func (e *AbortError) Is(target error) bool {
	switch target {
	case ErrWrongCode:
		return e.Reason == AbortWrongCode
	case ErrBusy:
		return e.Reason == AbortBusy
	case ErrNoChallenge:
		return e.Reason == AbortNoChallenge
	case ErrNegotiation:
		return e.Reason == AbortNegotiation
	case ErrNotPaired:
		return e.Reason == AbortRejected
	}
	return false
}

const maxAbortText = 200

func marshalAbort(reason int, text string) []byte {
	if len(text) > maxAbortText {
		text = text[:maxAbortText]
	}
	if checkText(text, maxAbortText, "text") != nil {
		text = ""
	}
	return append([]byte{byte(reason)}, text...)
}

func parseAbort(b []byte) error {
	r := &reader{t: msgAbort, b: b}
	reason := int(r.byte("reason"))
	text := r.rest()
	if r.err != nil {
		return r.err
	}
	if err := checkText(string(text), maxAbortText, "abort text"); err != nil {
		return protoErr(msgAbort, "%v", err)
	}
	return &AbortError{Reason: reason, Text: string(text)}
}

func marshalOffer(kinds []string) []byte {
	out := []byte{byte(len(kinds))}
	for _, k := range kinds {
		out = prependLen(out, []byte(k))
	}
	return out
}

func parseOffer(b []byte) ([]string, error) {
	r := &reader{t: msgOffer, b: b}
	n := int(r.byte("count"))
	if n > maxChallenges {
		r.fail("%d challenges, at most %d", n, maxChallenges)
	}
	var kinds []string
	for i := 0; i < n && r.err == nil; i++ {
		k := string(r.lv(MaxTransportLen, "challenge"))
		if r.err == nil {
			if err := checkText(k, MaxTransportLen, "challenge"); err != nil {
				r.fail("%v", err)
			}
		}
		kinds = append(kinds, k)
	}
	return kinds, r.end()
}

func parseChallenge(b []byte) (string, error) {
	r := &reader{t: msgChallenge, b: b}
	k := string(r.lv(MaxTransportLen, "challenge"))
	if err := r.end(); err != nil {
		return "", err
	}
	if err := checkText(k, MaxTransportLen, "challenge"); err != nil || k == "" {
		return "", protoErr(msgChallenge, "bad challenge name %q", k)
	}
	return k, nil
}

// hostHello is the host's first message: the protocol version and the
// host's half of the CPace session id.
type hostHello struct {
	version byte
	nonce   []byte
}

func (m hostHello) marshal() []byte { return append([]byte{m.version}, m.nonce...) }

func parseHostHello(b []byte) (hostHello, error) {
	r := &reader{t: msgHello, b: b}
	var m hostHello
	m.version = r.byte("version")
	if r.err == nil && m.version != ProtocolVersion {
		return m, &versionError{peer: int(m.version)}
	}
	m.nonce = r.bytes(sidLen, "session id")
	return m, r.end()
}

// cpaceA is the joiner's first CPace message; sid is the joiner's half of
// the session id.
type cpaceA struct {
	version byte
	sid     []byte
	ya      []byte
	ad      []byte
}

const sidLen = 16

func (m cpaceA) marshal() []byte {
	out := append([]byte{m.version}, m.sid...)
	out = append(out, m.ya...)
	return prependLen(out, m.ad)
}

func parseCPaceA(b []byte) (cpaceA, error) {
	r := &reader{t: msgCPaceA, b: b}
	var m cpaceA
	m.version = r.byte("version")
	if r.err == nil && m.version != ProtocolVersion {
		return m, &versionError{peer: int(m.version)}
	}
	m.sid = r.bytes(sidLen, "sid")
	m.ya = r.bytes(cpacePointSize, "Ya")
	m.ad = r.lv(256, "ADa")
	return m, r.end()
}

type versionError struct{ peer int }

func (e *versionError) Error() string {
	return fmt.Sprintf("pairing: peer speaks pairing protocol %d, this side %d; update the older one", e.peer, ProtocolVersion)
}

// cpaceB is the host's CPace reply with its key confirmation and its
// sealed capabilities.
type cpaceB struct {
	yb     []byte
	ad     []byte
	tag    []byte
	sealed []byte
}

const tagLen = 64 // HMAC-SHA-512

func (m cpaceB) marshal() []byte {
	out := append([]byte{}, m.yb...)
	out = prependLen(out, m.ad)
	out = append(out, m.tag...)
	return append(out, m.sealed...)
}

func parseCPaceB(b []byte) (cpaceB, error) {
	r := &reader{t: msgCPaceB, b: b}
	var m cpaceB
	m.yb = r.bytes(cpacePointSize, "Yb")
	m.ad = r.lv(256, "ADb")
	m.tag = r.bytes(tagLen, "Tb")
	m.sealed = r.rest()
	if r.err == nil && len(m.sealed) == 0 {
		r.fail("no capabilities")
	}
	return m, r.err
}

// confirmA is the joiner's key confirmation and sealed capabilities.
type confirmA struct {
	tag    []byte
	sealed []byte
}

func parseConfirmA(b []byte) (confirmA, error) {
	r := &reader{t: msgConfirmA, b: b}
	var m confirmA
	m.tag = r.bytes(tagLen, "Ta")
	m.sealed = r.rest()
	if r.err == nil && len(m.sealed) == 0 {
		r.fail("no capabilities")
	}
	return m, r.err
}
