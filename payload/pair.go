package payload

import (
	"encoding/base64"
	"strings"
)

// ExternalPair is the external record type that carries a warble pairing
// invitation: its payload is the pairing URI (warble:pair?code=…&via=…),
// the code as text, or the code's compact bytes, so that an NFC tag (or
// any NDEF reader's output) can start a pairing.
const ExternalPair = "warble.dev:pair"

// PairMessage wraps an invitation in an NDEF message of one
// [ExternalPair] record.
func PairMessage(invite []byte) (Message, error) {
	r, err := ExternalRecord(ExternalPair, invite)
	if err != nil {
		return nil, err
	}
	return Message{r}, nil
}

// PairInvite returns the invitation in b when b is an NDEF message with an
// [ExternalPair] record (the first one, if several), or in the QR text
// form of one (warble:ndef?m=…).
func PairInvite(b []byte) ([]byte, bool) {
	if s := string(b); strings.HasPrefix(s, qrNDEFPrefix) {
		d, err := base64.RawURLEncoding.DecodeString(s[len(qrNDEFPrefix):])
		if err != nil {
			return nil, false
		}
		b = d
	}
	if len(b) == 0 || b[0]&flagMB == 0 {
		return nil, false
	}
	m, err := ParseMessage(b)
	if err != nil {
		return nil, false
	}
	for _, r := range m {
		if r.Is(TNFExternal, ExternalPair) && len(r.Payload) > 0 {
			return r.Payload, true
		}
	}
	return nil, false
}
