package payload

import (
	"strings"
	"unicode/utf8"
)

// WiFi is a Wi-Fi network's credentials in the WIFI: text form that phone
// camera apps join from a QR code (ZXing's "WIFI:" barcode format, adopted
// by the Wi-Fi Alliance in the WPA3 specification's QR code annex):
//
//	WIFI:T:WPA;S:network;P:passphrase;H:true;;
//
// In values the characters \ ; , : and " are escaped with a backslash.
type WiFi struct {
	SSID     string
	Password string
	Security string // T: WPA, WEP, SAE or nopass; "" when absent
	Hidden   bool   // H:true
	// Extra holds other fields (R:, I:, K:, …) in order, kept as they were.
	Extra []WiFiField
}

// WiFiField is one field of a WIFI: string other than T, S, P and H.
type WiFiField struct{ Key, Value string }

const wifiSpecial = `\;,:"`

func wifiEscape(s string) string {
	if !strings.ContainsAny(s, wifiSpecial) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(wifiSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Check validates the fields: UTF-8 text, an SSID of 1 to 32 bytes (the
// 802.11 limit), no password for an open network. The security type and
// the passphrase's length are left to the network: readers such as ZXing
// take any.
func (w WiFi) Check() error {
	if !utf8.ValidString(w.SSID) || !utf8.ValidString(w.Password) || !utf8.ValidString(w.Security) {
		return valErr("wifi", "text", 0, "fields are not valid UTF-8")
	}
	if len(w.SSID) == 0 || len(w.SSID) > 32 {
		return valErr("wifi", "ssid", 0, "SSID is %d bytes, want 1 to 32", len(w.SSID))
	}
	switch w.Security {
	case "", "nopass":
		if w.Password != "" {
			return valErr("wifi", "password", 0, "an open network (T:nopass) has no password")
		}
	}
	if strings.ContainsFunc(w.Security, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return valErr("wifi", "security", 0, "security %q has a control character", w.Security)
	}
	for _, f := range w.Extra {
		if !wifiKey(f.Key) || f.Key == "T" || f.Key == "S" || f.Key == "P" || f.Key == "H" {
			return valErr("wifi", "field", 0, "field key %q is not 1 to 3 letters or digits other than T, S, P and H", f.Key)
		}
	}
	return nil
}

func wifiKey(k string) bool {
	if len(k) == 0 || len(k) > 3 || !(k[0] >= 'A' && k[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(k); i++ {
		if c := k[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// String returns the WIFI: text form.
func (w WiFi) String() string {
	var b strings.Builder
	b.WriteString("WIFI:")
	if w.Security != "" {
		b.WriteString("T:" + wifiEscape(w.Security) + ";")
	}
	b.WriteString("S:" + wifiEscape(w.SSID) + ";")
	if w.Password != "" {
		b.WriteString("P:" + wifiEscape(w.Password) + ";")
	}
	if w.Hidden {
		b.WriteString("H:true;")
	}
	for _, f := range w.Extra {
		b.WriteString(f.Key + ":" + wifiEscape(f.Value) + ";")
	}
	b.WriteString(";")
	return b.String()
}

// ParseWiFi reads a WIFI: string. Fields may come in any order; S is
// required.
func ParseWiFi(s string) (WiFi, error) {
	if !strings.HasPrefix(s, "WIFI:") {
		return WiFi{}, synErr("wifi", "scheme", 0, "text does not start with WIFI:")
	}
	if !utf8.ValidString(s) {
		return WiFi{}, synErr("wifi", "text", invalidUTF8At([]byte(s)), "text is not valid UTF-8")
	}
	var w WiFi
	seen := map[string]bool{}
	i := len("WIFI:")
	for {
		if i >= len(s) {
			return WiFi{}, synErr("wifi", "terminator", i, "string ends without the closing ;")
		}
		if s[i] == ';' {
			if i+1 != len(s) {
				return WiFi{}, synErr("wifi", "terminator", i+1, "%d bytes follow the closing ;;", len(s)-i-1)
			}
			break
		}
		keyAt := i
		colon := strings.IndexByte(s[i:], ':')
		if colon < 0 {
			return WiFi{}, synErr("wifi", "field", i, "field has no key: (key:value;)")
		}
		key := s[i : i+colon]
		if !wifiKey(key) {
			return WiFi{}, synErr("wifi", "field key", i, "key %.10q is not 1 to 3 capital letters or digits", key)
		}
		if seen[key] {
			return WiFi{}, synErr("wifi", "field "+key, i, "field %s appears twice", key)
		}
		seen[key] = true
		i += colon + 1
		var v strings.Builder
		for {
			if i >= len(s) {
				return WiFi{}, synErr("wifi", "field "+key, i, "value runs to the end without ;")
			}
			c := s[i]
			if c == '\\' {
				if i+1 >= len(s) {
					return WiFi{}, synErr("wifi", "field "+key, i, "a backslash ends the string")
				}
				v.WriteByte(s[i+1])
				i += 2
				continue
			}
			if c == ';' {
				i++
				break
			}
			if c < 0x20 || c == 0x7f {
				return WiFi{}, synErr("wifi", "field "+key, i, "control byte 0x%02x in the value", c)
			}
			v.WriteByte(c)
			i++
		}
		val := v.String()
		switch key {
		case "T":
			w.Security = val
		case "S":
			w.SSID = val
		case "P":
			w.Password = val
		case "H":
			switch strings.ToLower(val) {
			case "true":
				w.Hidden = true
			case "false", "":
			default:
				return WiFi{}, synErr("wifi", "field H", keyAt+2, "hidden is %q, want true or false", val)
			}
		default:
			w.Extra = append(w.Extra, WiFiField{Key: key, Value: val})
		}
	}
	if !seen["S"] {
		return WiFi{}, synErr("wifi", "field S", len(s), "the SSID (S:) is missing")
	}
	if err := w.Check(); err != nil {
		return WiFi{}, err
	}
	return w, nil
}
