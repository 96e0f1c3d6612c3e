package payload

import (
	"encoding/binary"
	"unicode/utf8"
)

// MediaWSC is the media type of a Wi-Fi Simple Configuration token, the
// record an NFC tag gives a phone to join a network: [FromNDEF] reads its
// credential as a wifi payload.
const MediaWSC = "application/vnd.wfa.wsc"

// Wi-Fi Simple Configuration 2.0 attribute types (section 12) and values.
const (
	wscCredential = 0x100e
	wscSSID       = 0x1045
	wscNetworkKey = 0x1027
	wscAuthType   = 0x1003
	wscEncrType   = 0x100f

	wscAuthOpen   = 0x0001
	wscAuthShared = 0x0004
	wscEncrWEP    = 0x0002
)

// wscAttrs reads WSC attributes: 2-byte type, 2-byte length, big-endian.
func wscAttrs(b []byte, off int, each func(t uint16, v []byte, at int) error) error {
	for i := 0; i < len(b); {
		if i+4 > len(b) {
			return synErr("wifi", "wsc attribute", off+i, "attribute header runs past the end")
		}
		t, n := binary.BigEndian.Uint16(b[i:]), int(binary.BigEndian.Uint16(b[i+2:]))
		if i+4+n > len(b) {
			return synErr("wifi", "wsc attribute", off+i, "attribute 0x%04x of %d bytes runs past the end", t, n)
		}
		if err := each(t, b[i+4:i+4+n], off+i+4); err != nil {
			return err
		}
		i += 4 + n
	}
	return nil
}

// ParseWSC reads the first credential of a Wi-Fi Simple Configuration
// token: SSID, network key, and a security type from the authentication
// and encryption types (open: nopass, WEP or shared: WEP, any WPA: WPA).
func ParseWSC(p []byte) (WiFi, error) {
	var cred []byte
	credAt := 0
	err := wscAttrs(p, 0, func(t uint16, v []byte, at int) error {
		if t == wscCredential && cred == nil {
			cred, credAt = v, at
		}
		return nil
	})
	if err != nil {
		return WiFi{}, err
	}
	if cred == nil {
		return WiFi{}, synErr("wifi", "wsc credential", len(p), "the token has no credential (0x100e)")
	}
	var w WiFi
	var auth, encr uint16
	haveSSID := false
	err = wscAttrs(cred, credAt, func(t uint16, v []byte, at int) error {
		switch t {
		case wscSSID:
			if !utf8.Valid(v) {
				return synErr("wifi", "wsc ssid", at, "SSID is not UTF-8")
			}
			w.SSID, haveSSID = string(v), true
		case wscNetworkKey:
			if !utf8.Valid(v) {
				return synErr("wifi", "wsc network key", at, "network key is not UTF-8")
			}
			w.Password = string(v)
		case wscAuthType, wscEncrType:
			if len(v) != 2 {
				return synErr("wifi", "wsc type", at, "authentication or encryption type is %d bytes, want 2", len(v))
			}
			if t == wscAuthType {
				auth = binary.BigEndian.Uint16(v)
			} else {
				encr = binary.BigEndian.Uint16(v)
			}
		}
		return nil
	})
	if err != nil {
		return WiFi{}, err
	}
	if !haveSSID {
		return WiFi{}, synErr("wifi", "wsc ssid", credAt, "the credential has no SSID (0x1045)")
	}
	switch {
	case auth == wscAuthShared || encr == wscEncrWEP:
		w.Security = "WEP"
	case auth == wscAuthOpen || auth == 0 && w.Password == "":
		w.Security = "nopass"
	default:
		w.Security = "WPA"
	}
	if err := w.Check(); err != nil {
		return WiFi{}, err
	}
	return w, nil
}
