package pairing

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// A Code is what the two sides share out of band: a nameplate, which is not
// secret and lets a relay or mDNS find the other side, and a secret, which
// feeds CPace. Its text form is lower-case letters, digits and hyphens:
//
//	7-guitar-kitten-maple                  typed: nameplate, three words (24 bits)
//	7-mfrggzdfmztwq2lknnwg23tpobyxe43u      audio: nameplate, 26 base32 letters (128 bits)
//
// The zero Code is not valid.
type Code struct {
	nameplate string
	secret    string
	// neg is the host's view of a challenge negotiation, carried out of
	// band with a 128-bit code: the chosen challenge's number, then
	// negTagLen bytes of the negotiation's binding; "" for none.
	neg string
}

// Code sizes.
const (
	TypedWords     = 3    // words in a typed code's secret
	TypedBits      = 24   // secret bits of a typed code
	AudioBits      = 128  // secret bits of an audio code
	MaxNameplate   = 9999 // nameplates run 1..MaxNameplate
	maxCodeLen     = 128
	audioSecretLen = 26 // base32 letters for 128 bits
)

var audioEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// ErrBadCode is matched by every error of [ParseCode].
var ErrBadCode = errors.New("not a warble code")

func randNameplate() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(MaxNameplate))
	if err != nil {
		return "", fmt.Errorf("pairing: making a code: %w", err)
	}
	return strconv.FormatInt(n.Int64()+1, 10), nil
}

// NewCode makes a typed code: a random nameplate and [TypedWords] random
// words.
func NewCode() (Code, error) {
	np, err := randNameplate()
	if err != nil {
		return Code{}, err
	}
	var b [TypedWords]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Code{}, fmt.Errorf("pairing: making a code: %w", err)
	}
	words := make([]string, len(b))
	for i, x := range b {
		words[i] = wordList[x]
	}
	return Code{nameplate: np, secret: strings.Join(words, "-")}, nil
}

// NewAudioCode makes a code for a channel nobody types: a random nameplate
// and a 128-bit secret.
func NewAudioCode() (Code, error) {
	np, err := randNameplate()
	if err != nil {
		return Code{}, err
	}
	var b [AudioBits / 8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Code{}, fmt.Errorf("pairing: making a code: %w", err)
	}
	return Code{nameplate: np, secret: audioEncoding.EncodeToString(b[:])}, nil
}

// ParseCode reads a code as a person typed it: case, surrounding space, and
// spaces or underscores instead of hyphens are forgiven. It checks the form
// only (a nameplate, then at least one group of letters and digits), so a
// mistyped word still reaches the other side and fails there, retiring the
// code on both sides; [Code.Typo] says whether the words look mistyped.
func ParseCode(s string) (Code, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer(" ", "-", "_", "-", "\t", "-").Replace(s)
	if s == "" {
		return Code{}, fmt.Errorf("pairing: empty code: %w", ErrBadCode)
	}
	if len(s) > maxCodeLen {
		return Code{}, fmt.Errorf("pairing: code is %d characters, at most %d: %w", len(s), maxCodeLen, ErrBadCode)
	}
	parts := strings.Split(s, "-")
	if len(parts) < 2 {
		return Code{}, fmt.Errorf("pairing: code %q has no secret after its number: %w", s, ErrBadCode)
	}
	np := parts[0]
	n, err := strconv.Atoi(np)
	if err != nil || n < 1 || n > MaxNameplate || np[0] == '0' {
		return Code{}, fmt.Errorf("pairing: code %q must start with a number 1 to %d: %w", s, MaxNameplate, ErrBadCode)
	}
	for i, p := range parts[1:] {
		if p == "" {
			return Code{}, fmt.Errorf("pairing: code %q has an empty part: %w", s, ErrBadCode)
		}
		for _, c := range p {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
				return Code{}, fmt.Errorf("pairing: code %q has %q in part %d; codes are letters, digits and hyphens: %w", s, c, i+2, ErrBadCode)
			}
		}
	}
	return Code{nameplate: np, secret: strings.Join(parts[1:], "-")}, nil
}

// Nameplate is the code's public part: the relay's rendezvous name and the
// mDNS discriminator. It is a decimal number 1..[MaxNameplate].
func (c Code) Nameplate() string { return c.nameplate }

// String is the code's text form, as shown and typed.
func (c Code) String() string {
	if c.nameplate == "" {
		return ""
	}
	return c.nameplate + "-" + c.secret
}

// IsZero reports whether c is the zero Code.
func (c Code) IsZero() bool { return c.nameplate == "" }

// Audio reports whether c has the form of an audio code.
func (c Code) Audio() bool {
	if len(c.secret) != audioSecretLen {
		return false
	}
	_, err := audioEncoding.DecodeString(c.secret)
	return err == nil
}

// Typo reports whether c looks mistyped: it is neither an audio code nor
// [TypedWords] words from the list.
func (c Code) Typo() bool {
	if c.Audio() {
		return false
	}
	words := strings.Split(c.secret, "-")
	if len(words) != TypedWords {
		return true
	}
	for _, w := range words {
		if _, ok := wordIndex[w]; !ok {
			return true
		}
	}
	return false
}

// CompactLen is the length in bytes of an audio code's compact form;
// a code that carries a negotiation ([Code.WithNegotiation]) is
// [CompactNegotiatedLen] bytes.
const (
	CompactLen           = 2 + AudioBits/8
	CompactNegotiatedLen = CompactLen + 1 + negTagLen
)

// Compact returns an audio code as [CompactLen] bytes, for channels that
// carry bytes rather than text (sound, light): the nameplate as a
// big-endian uint16, then the 128-bit secret; and for a code that carries
// a negotiation, the chosen challenge's number and the negotiation's tag
// ([CompactNegotiatedLen] bytes in all). It returns nil for a code that is
// not an audio code in canonical form. [ParseCompact] reverses it.
func (c Code) Compact() []byte {
	if !c.Audio() {
		return nil
	}
	secret, err := audioEncoding.DecodeString(c.secret)
	if err != nil || len(secret) != AudioBits/8 || audioEncoding.EncodeToString(secret) != c.secret {
		return nil
	}
	n, err := strconv.Atoi(c.nameplate)
	if err != nil {
		return nil
	}
	out := append([]byte{byte(n >> 8), byte(n)}, secret...)
	return append(out, c.neg...)
}

// ParseCompact reads a code in the form [Code.Compact] returns.
func ParseCompact(b []byte) (Code, error) {
	if len(b) != CompactLen && len(b) != CompactNegotiatedLen {
		return Code{}, fmt.Errorf("pairing: compact code is %d bytes, want %d or %d: %w", len(b), CompactLen, CompactNegotiatedLen, ErrBadCode)
	}
	n := int(b[0])<<8 | int(b[1])
	if n < 1 || n > MaxNameplate {
		return Code{}, fmt.Errorf("pairing: compact code has nameplate %d, want 1 to %d: %w", n, MaxNameplate, ErrBadCode)
	}
	c := Code{nameplate: strconv.Itoa(n), secret: audioEncoding.EncodeToString(b[2:CompactLen])}
	if len(b) == CompactNegotiatedLen {
		neg := b[CompactLen:]
		if carriedKind(neg[0]) == "" {
			return Code{}, fmt.Errorf("pairing: compact code carries challenge number %d, which no code carries: %w", neg[0], ErrBadCode)
		}
		c.neg = string(neg)
	}
	return c, nil
}

// carriedKinds are the challenges a code can say were chosen, by number:
// the ones whose code nobody types.
var carriedKinds = [...]string{1: ChallengeAudio, 2: ChallengeQR, 3: ChallengeFlash}

func carriedKind(b byte) string {
	if int(b) < len(carriedKinds) {
		return carriedKinds[b]
	}
	return ""
}

// WithNegotiation returns c carrying the host's view of the challenge
// negotiation n — the challenge it chose and a tag of the offer it saw —
// in its out-of-band forms ([Code.Compact], and the neg parameter of a
// [URI]). What goes out of band cannot be changed on the network, so
// [JoinNegotiated] finds a negotiation that was changed there (a stripped
// offer, a rewritten choice) before any attempt at the code is spent,
// and fails with [ErrNegotiation] rather than as a wrong code. Only a
// 128-bit code, for a challenge nobody types, can carry one; the text a
// person reads and types never changes.
func (c Code) WithNegotiation(n Negotiation) (Code, error) {
	if err := n.check(); err != nil {
		return Code{}, err
	}
	if !c.Audio() {
		return Code{}, errors.New("pairing: only a 128-bit code carries a negotiation")
	}
	k := slices.Index(carriedKinds[:], n.Chosen)
	if k < 1 {
		return Code{}, fmt.Errorf("pairing: a code cannot carry the choice of the %q challenge", n.Chosen)
	}
	c.neg = string(append([]byte{byte(k)}, n.tag()...))
	return c, nil
}

// prs is the password-related string CPace runs on: the whole code text.
func (c Code) prs() []byte { return []byte(c.String()) }
