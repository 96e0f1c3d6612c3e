package pairing

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// A URI is a pairing invitation in one string, for a QR code: the code and
// where the joiner meets the host, the LAN or a relay.
//
//	warble:pair?code=7-mfrggzdfmztwq2lknnwg23tpob&via=lan
//	warble:pair?code=7-mfrggzdfmztwq2lknnwg23tpob&via=ws%3A%2F%2Frelay.example%3A4000
//	warble:pair?code=7-mfrggzdfmztwq2lknnwg23tpob&via=lan&neg=qr.1a2b3c4d
//
// The optional neg parameter is the host's view of a challenge negotiation
// (see [Code.WithNegotiation]).
//
// [ParseURI] is strict: the scheme and the opaque part exactly as above,
// both parameters exactly once and nothing else, the code in its canonical
// form.
type URI struct {
	Code Code
	Via  string // ViaLAN, or a relay's ws:// or wss:// URL
}

// ViaLAN is [URI.Via] for a host on the local network, found by mDNS.
const ViaLAN = "lan"

// MaxURILen is the longest URI [ParseURI] accepts, in bytes.
const MaxURILen = 512

// ErrBadURI is matched by every error of [ParseURI] and [URI.Check].
var ErrBadURI = errors.New("not a warble pairing URI")

func uriErr(format string, args ...any) error {
	return fmt.Errorf("pairing: %s: %w", fmt.Sprintf(format, args...), ErrBadURI)
}

// String is the URI's text form.
func (u URI) String() string {
	q := "code=" + u.Code.String() + "&via=" + url.QueryEscape(u.Via)
	if u.Code.neg != "" {
		q += "&neg=" + carriedKind(u.Code.neg[0]) + "." + hex.EncodeToString([]byte(u.Code.neg[1:]))
	}
	return "warble:pair?" + q
}

// Check reports whether u has a code and a valid place to meet.
func (u URI) Check() error {
	if u.Code.IsZero() {
		return uriErr("no code")
	}
	if u.Via == ViaLAN {
		return nil
	}
	return checkRelayURL(u.Via)
}

// checkRelayURL accepts a ws:// or wss:// URL with a host and no user,
// query or fragment.
func checkRelayURL(s string) error {
	v, err := url.Parse(s)
	if err != nil {
		return uriErr("via %.80q is not a URL", s)
	}
	switch {
	case v.Scheme != "ws" && v.Scheme != "wss":
		return uriErr("via %.80q: want lan or a relay's ws:// or wss:// URL", s)
	case v.Host == "" || v.Hostname() == "":
		return uriErr("via %.80q has no host", s)
	case v.User != nil || v.RawQuery != "" || v.ForceQuery || v.Fragment != "" || strings.Contains(s, "#"):
		return uriErr("via %.80q: a relay URL has no user, query or fragment", s)
	}
	return nil
}

// ParseURI reads a URI such as [URI.String] writes.
func ParseURI(s string) (URI, error) {
	if len(s) > MaxURILen {
		return URI{}, uriErr("%d bytes, at most %d", len(s), MaxURILen)
	}
	rest, ok := strings.CutPrefix(s, "warble:pair?")
	if !ok {
		return URI{}, uriErr("%.40q does not start with warble:pair?", s)
	}
	var u URI
	var haveCode, haveVia, haveNeg bool
	var neg string
	for _, kv := range strings.Split(rest, "&") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return URI{}, uriErr("parameter %.40q has no value", kv)
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return URI{}, uriErr("parameter %.40q: bad escape", k)
		}
		switch k {
		case "code":
			if haveCode {
				return URI{}, uriErr("code given twice")
			}
			haveCode = true
			c, err := ParseCode(val)
			if err != nil || c.String() != v {
				return URI{}, uriErr("code %.60q is not a code in canonical form", val)
			}
			u.Code = c
		case "neg":
			if haveNeg {
				return URI{}, uriErr("neg given twice")
			}
			haveNeg = true
			kind, tag, _ := strings.Cut(val, ".")
			k := slices.Index(carriedKinds[:], kind)
			t, err := hex.DecodeString(tag)
			if k < 1 || err != nil || len(t) != negTagLen || hex.EncodeToString(t) != tag {
				return URI{}, uriErr("neg %.40q is not a challenge and a %d-byte hex tag", val, negTagLen)
			}
			neg = string(append([]byte{byte(k)}, t...))
		case "via":
			if haveVia {
				return URI{}, uriErr("via given twice")
			}
			haveVia = true
			u.Via = val
		default:
			return URI{}, uriErr("unknown parameter %.40q", k)
		}
	}
	if !haveCode || !haveVia {
		return URI{}, uriErr("want both code and via")
	}
	if neg != "" {
		if !u.Code.Audio() {
			return URI{}, uriErr("only a 128-bit code carries a negotiation")
		}
		u.Code.neg = neg
	}
	if err := u.Check(); err != nil {
		return URI{}, err
	}
	return u, nil
}
