package payload

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The kinds of [Typed] payload, as the command line names them.
const (
	KindNDEFText = "ndef-text"
	KindNDEFURI  = "ndef-uri"
	KindNDEF     = "ndef" // any other NDEF message
	KindBTOOB    = "bt-oob"
	KindBLEOOB   = "ble-oob"
	KindWiFi     = "wifi"
	KindDPP      = "dpp"
	KindMatter   = "matter"
)

// Kinds lists the kinds a user can ask for by name; KindNDEF takes any
// NDEF message, as hex or as JSON records.
var Kinds = []string{KindNDEFText, KindNDEFURI, KindBTOOB, KindBLEOOB, KindWiFi, KindDPP, KindMatter, KindNDEF}

// Record types warble uses for what has no NFC Forum record of its own.
const (
	// ExternalMatterCode holds a Matter manual pairing code (digits): an
	// MT: QR payload travels in a URI record, as the Matter specification
	// puts it on an NFC tag, but a manual code is no URI.
	ExternalMatterCode = "warble.dev:matter-code"
	// MediaDPP is the Wi-Fi Easy Connect NFC record type: its payload is
	// the DPP: URI.
	MediaDPP = "application/vnd.wfa.dpp"
)

// Typed is a standard payload: one of Text, URI, BT, BLE, WiFi, DPP or
// Matter is set, as Kind says; Message is the NDEF message that carries it
// (for KindNDEF, the payload itself).
type Typed struct {
	Kind    string
	Message Message
	Text    *Text
	URI     string
	BT      *BTOOB
	BLE     *BLEOOB
	WiFi    *WiFi
	DPP     *DPP
	Matter  *Matter
}

func single(r Record, err error) (Message, error) {
	if err != nil {
		return nil, err
	}
	return Message{r}, nil
}

// NewText, NewURI, … build a Typed value and its NDEF message.

// NewText returns an ndef-text payload.
func NewText(t Text) (Typed, error) {
	m, err := single(TextRecord(t))
	return Typed{Kind: KindNDEFText, Message: m, Text: &t}, err
}

// NewURI returns an ndef-uri payload.
func NewURI(uri string) (Typed, error) {
	m, err := single(URIRecord(uri))
	return Typed{Kind: KindNDEFURI, Message: m, URI: uri}, err
}

// NewBTOOB returns a bt-oob payload.
func NewBTOOB(o BTOOB) (Typed, error) {
	p, err := o.Marshal()
	if err != nil {
		return Typed{}, err
	}
	m, err := single(MediaRecord(MediaBTOOB, p))
	return Typed{Kind: KindBTOOB, Message: m, BT: &o}, err
}

// NewBLEOOB returns a ble-oob payload.
func NewBLEOOB(o BLEOOB) (Typed, error) {
	p, err := o.Marshal()
	if err != nil {
		return Typed{}, err
	}
	m, err := single(MediaRecord(MediaBLEOOB, p))
	return Typed{Kind: KindBLEOOB, Message: m, BLE: &o}, err
}

// NewWiFi returns a wifi payload: a URI record holding the WIFI: string.
func NewWiFi(w WiFi) (Typed, error) {
	if err := w.Check(); err != nil {
		return Typed{}, err
	}
	m, err := single(URIRecord(w.String()))
	return Typed{Kind: KindWiFi, Message: m, WiFi: &w}, err
}

// NewDPP returns a dpp payload: a URI record holding the DPP: URI, 22
// bytes shorter than the application/vnd.wfa.dpp record an NFC tag uses
// (which [FromNDEF] reads as well), so that a URI with channels, MAC and
// information still fits one frame.
func NewDPP(d DPP) (Typed, error) {
	if err := d.Check(); err != nil {
		return Typed{}, err
	}
	m, err := single(URIRecord(d.String()))
	return Typed{Kind: KindDPP, Message: m, DPP: &d}, err
}

// NewMatter returns a matter payload: a URI record holding the MT: string,
// or for a payload read from a manual code an external record holding the
// digits.
func NewMatter(mt Matter) (Typed, error) {
	if err := mt.Check(); err != nil {
		return Typed{}, err
	}
	var r Record
	var err error
	if mt.FromManual || mt.ShortDiscriminator {
		code, cerr := mt.ManualCode()
		if cerr != nil {
			return Typed{}, cerr
		}
		r, err = ExternalRecord(ExternalMatterCode, []byte(code))
	} else {
		qr, qerr := mt.QR()
		if qerr != nil {
			return Typed{}, qerr
		}
		r, err = URIRecord(qr)
	}
	m, err := single(r, err)
	return Typed{Kind: KindMatter, Message: m, Matter: &mt}, err
}

// FromNDEF recognises the standard payload an NDEF message carries. A
// message of one record of a known type is that type (a record that
// claims a type but does not parse as it is an error); anything else is
// KindNDEF, with every Text and URI record checked.
func FromNDEF(m Message) (Typed, error) {
	if len(m) == 0 {
		return Typed{}, synErr("ndef", "message", 0, "no records")
	}
	if len(m) == 1 {
		r := m[0]
		switch {
		case r.IsText():
			t, err := ParseText(r.Payload)
			if err != nil {
				return Typed{}, err
			}
			return Typed{Kind: KindNDEFText, Message: m, Text: &t}, nil
		case r.IsURI():
			u, err := ParseURI(r.Payload)
			if err != nil {
				return Typed{}, err
			}
			switch {
			case strings.HasPrefix(u, "MT:"):
				if mt, err := ParseMatter(u); err == nil {
					return Typed{Kind: KindMatter, Message: m, Matter: &mt}, nil
				}
			case strings.HasPrefix(u, "WIFI:"):
				if w, err := ParseWiFi(u); err == nil {
					return Typed{Kind: KindWiFi, Message: m, WiFi: &w}, nil
				}
			case strings.HasPrefix(u, "DPP:"):
				if d, err := ParseDPP(u); err == nil {
					return Typed{Kind: KindDPP, Message: m, DPP: &d}, nil
				}
			}
			return Typed{Kind: KindNDEFURI, Message: m, URI: u}, nil
		case r.Is(TNFMedia, MediaBTOOB):
			o, err := ParseBTOOB(r.Payload)
			if err != nil {
				return Typed{}, err
			}
			return Typed{Kind: KindBTOOB, Message: m, BT: &o}, nil
		case r.Is(TNFMedia, MediaBLEOOB):
			o, err := ParseBLEOOB(r.Payload)
			if err != nil {
				return Typed{}, err
			}
			return Typed{Kind: KindBLEOOB, Message: m, BLE: &o}, nil
		case r.Is(TNFMedia, MediaWSC):
			w, err := ParseWSC(r.Payload)
			if err != nil {
				return Typed{}, err
			}
			return Typed{Kind: KindWiFi, Message: m, WiFi: &w}, nil
		case r.Is(TNFMedia, MediaDPP):
			d, err := ParseDPP(string(r.Payload))
			if err != nil {
				return Typed{}, err
			}
			return Typed{Kind: KindDPP, Message: m, DPP: &d}, nil
		case r.Is(TNFExternal, ExternalMatterCode):
			mt, err := ParseManualCode(string(r.Payload))
			if err != nil {
				return Typed{}, err
			}
			return Typed{Kind: KindMatter, Message: m, Matter: &mt}, nil
		}
	}
	for _, r := range m {
		var err error
		switch {
		case r.IsText():
			_, err = ParseText(r.Payload)
		case r.IsURI():
			_, err = ParseURI(r.Payload)
		}
		if err != nil {
			return Typed{}, err
		}
	}
	return Typed{Kind: KindNDEF, Message: m}, nil
}

// ParseTextForm reads a payload of the given kind from its standard text
// form: the text for ndef-text (language "en"), the URI for ndef-uri, the
// WIFI: string, the DPP: URI, or the MT: string or manual code for
// matter, or for ndef a whole NDEF message in hex. bt-oob and ble-oob
// have no text form: use [FromJSON].
func ParseTextForm(kind, s string) (Typed, error) {
	switch kind {
	case KindNDEF:
		b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil {
			return Typed{}, synErr("ndef", "hex", 0, "an ndef payload is a whole NDEF message in hex: %v", err)
		}
		m, err := ParseMessage(b)
		if err != nil {
			return Typed{}, err
		}
		return FromNDEF(m)
	case KindNDEFText:
		return NewText(Text{Lang: "en", Text: s})
	case KindNDEFURI:
		return NewURI(s)
	case KindWiFi:
		w, err := ParseWiFi(s)
		if err != nil {
			return Typed{}, err
		}
		return NewWiFi(w)
	case KindDPP:
		d, err := ParseDPP(s)
		if err != nil {
			return Typed{}, err
		}
		return NewDPP(d)
	case KindMatter:
		mt, err := ParseMatter(s)
		if err != nil {
			return Typed{}, err
		}
		return NewMatter(mt)
	case KindBTOOB, KindBLEOOB:
		return Typed{}, fmt.Errorf("payload: %s has no text form; give its fields as JSON", kind)
	}
	return Typed{}, fmt.Errorf("payload: unknown type %q (want %s)", kind, strings.Join(Kinds, ", "))
}

// QRText is the text a QR code carries for t: the standard string for
// wifi, dpp and matter (and the URI for an ndef-uri whose scheme is one of
// the NDEF URI prefixes), so that a phone's camera understands it; for the
// rest (a Matter payload from a manual code among them), warble's "warble:ndef?m=" and the NDEF message in unpadded
// base64url, which [ParseQRText] reads back.
func (t Typed) QRText() (string, error) {
	switch t.Kind {
	case KindWiFi:
		return t.WiFi.String(), nil
	case KindDPP:
		return t.DPP.String(), nil
	case KindMatter:
		if !t.Matter.FromManual && !t.Matter.ShortDiscriminator {
			return t.Matter.QR()
		}
		// A manual code is typed, not scanned: no camera app reads one
		// from a QR code, and bare digits would pass for a plain token.
	case KindNDEFURI:
		if knownScheme(t.URI) {
			return t.URI, nil
		}
	}
	b, err := t.Message.Marshal()
	if err != nil {
		return "", err
	}
	return qrNDEFPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

const qrNDEFPrefix = "warble:ndef?m="

// knownScheme reports whether uri starts with a prefix of the NDEF URI
// table (other than the empty one) and has no white space.
func knownScheme(uri string) bool {
	if strings.IndexFunc(uri, unicode.IsSpace) >= 0 {
		return false
	}
	for _, p := range uriPrefixes[1:] {
		if strings.HasPrefix(uri, p) && len(uri) > len(p) {
			return true
		}
	}
	return false
}

// ParseQRText recognises a typed payload in the text of a QR code: a
// WIFI:, DPP: or MT: string, a URI with a scheme from the NDEF URI prefix
// table, or warble's warble:ndef form. ok is false for other text; err is
// set when the text claims a type but is malformed.
func ParseQRText(s string) (t Typed, ok bool, err error) {
	switch {
	case strings.HasPrefix(s, "WIFI:"):
		t, err = ParseTextForm(KindWiFi, s)
	case strings.HasPrefix(s, "DPP:"):
		t, err = ParseTextForm(KindDPP, s)
	case strings.HasPrefix(s, "MT:"):
		t, err = ParseTextForm(KindMatter, s)
	case strings.HasPrefix(s, qrNDEFPrefix):
		b, derr := base64.RawURLEncoding.DecodeString(s[len(qrNDEFPrefix):])
		if derr != nil {
			return Typed{}, true, synErr("ndef", "qr text", len(qrNDEFPrefix), "not unpadded base64url: %v", derr)
		}
		m, perr := ParseMessage(b)
		if perr != nil {
			return Typed{}, true, perr
		}
		t, err = FromNDEF(m)
	case knownScheme(s) && utf8.ValidString(s):
		t, err = NewURI(s)
	default:
		return Typed{}, false, nil
	}
	return t, true, err
}

// IsTyped is the rule that tells a frame carrying a typed payload from a
// plain token: the frame is not printable UTF-8 text, and it is one whole,
// well-formed NDEF message (MB set on the first record, ME on the last,
// nothing after it, chunks in order). Printable text can never be typed,
// so a text token is never mistaken for one; a binary token is typed only
// if it happens to be a valid NDEF message, with the exact lengths that
// takes.
func IsTyped(frame []byte) bool {
	if len(frame) == 0 || frame[0]&flagMB == 0 || printableText(frame) {
		return false
	}
	_, err := ParseMessage(frame)
	return err == nil
}

// printableText reports whether b is UTF-8 with no control characters
// (as warble prints frames as text).
func printableText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if !unicode.IsPrint(r) && r != ' ' {
			return false
		}
	}
	return true
}

// Field is one named value of a typed payload, for output.
type Field struct {
	Key   string
	Value any
}

func hexOrNil(b []byte) any {
	if b == nil {
		return nil
	}
	return hex.EncodeToString(b)
}

// Fields returns the payload's fields in order, "type" first, with the
// snake_case names warble prints; absent values are left out.
func (t Typed) Fields() []Field {
	f := []Field{{"type", t.Kind}}
	add := func(k string, v any) {
		switch x := v.(type) {
		case nil:
			return
		case string:
			if x == "" {
				return
			}
		case []string:
			if len(x) == 0 {
				return
			}
		}
		f = append(f, Field{k, v})
	}
	switch t.Kind {
	case KindMatter:
		m := t.Matter
		if !m.FromManual || m.VendorID != 0 || m.ProductID != 0 {
			add("vendor_id", int(m.VendorID))
			add("product_id", int(m.ProductID))
		}
		add("discriminator", int(m.Discriminator))
		if m.ShortDiscriminator {
			add("short_discriminator", int(m.Discriminator>>8))
		}
		add("passcode", int(m.Passcode))
		add("flow", int(m.Flow))
		if !m.FromManual {
			add("rendezvous", int(m.Rendezvous))
		}
		code, _ := m.ManualCode()
		add("manual_code", code)
		if qr, err := m.QR(); err == nil {
			add("qr", qr)
		}
		var opt []map[string]any
		for _, in := range m.Info() {
			var v any
			if in.String != nil {
				v = *in.String
			} else if in.Int != nil {
				v = *in.Int
			}
			if in.Tag == 0 {
				add("serial_number", v)
				continue
			}
			o := map[string]any{"tag": int(in.Tag)}
			if in.String != nil {
				o["string"] = v
			} else {
				o["int"] = v
			}
			opt = append(opt, o)
		}
		if len(opt) > 0 {
			add("optional", opt)
		}
		if len(m.TLV) > 0 {
			add("tlv_hex", hex.EncodeToString(m.TLV))
		}
	case KindWiFi:
		w := t.WiFi
		// All four always, empty for an open network: they are what a
		// phone needs to join.
		f = append(f, Field{"ssid", w.SSID}, Field{"password", w.Password}, Field{"security", w.Security}, Field{"hidden", w.Hidden})
		if len(w.Extra) > 0 {
			ex := map[string]string{}
			for _, e := range w.Extra {
				ex[e.Key] = e.Value
			}
			add("extra", ex)
		}
	case KindDPP:
		d := t.DPP
		add("channels", d.Channels)
		if d.MAC != nil {
			add("mac", macString(d.MAC))
		}
		add("info", d.Info)
		add("version", d.Version)
		add("key", base64.StdEncoding.EncodeToString(d.Key))
		add("curve", d.Curve())
		if len(d.Extra) > 0 {
			ex := map[string]string{}
			for _, e := range d.Extra {
				ex[e.Key] = e.Value
			}
			add("extra", ex)
		}
	case KindBTOOB:
		o := t.BT
		add("address", o.Address.String())
		if o.ClassOfDevice != nil {
			add("class_of_device", int(*o.ClassOfDevice))
		}
		add("hash_c", hexOrNil(o.HashC))
		add("randomizer_r", hexOrNil(o.RandomizerR))
		add("name", o.Name)
		if o.ShortName {
			add("short_name", true)
		}
		add("extra", adList(o.Extra))
	case KindBLEOOB:
		o := t.BLE
		add("address", o.Address.String())
		add("address_type", map[bool]string{false: "public", true: "random"}[o.RandomAddress])
		add("role", int(o.Role))
		add("confirm", hexOrNil(o.Confirm))
		add("random", hexOrNil(o.Random))
		add("name", o.Name)
		if o.ShortName {
			add("short_name", true)
		}
		add("extra", adList(o.Extra))
	default:
		rs := make([]map[string]any, 0, len(t.Message))
		for _, r := range t.Message {
			j := map[string]any{"tnf": int(r.TNF), "type": string(r.Type), "id": string(r.ID), "payload_hex": hex.EncodeToString(r.Payload)}
			if r.IsText() {
				if tx, err := ParseText(r.Payload); err == nil {
					j["text"], j["lang"] = tx.Text, tx.Lang
					if tx.UTF16 {
						j["utf16"] = true
					}
				}
			}
			if r.IsURI() {
				if u, err := ParseURI(r.Payload); err == nil {
					j["uri"] = u
				}
			}
			rs = append(rs, j)
		}
		f = append(f, Field{"records", rs})
	}
	return f
}

func adList(ads []AD) any {
	if len(ads) == 0 {
		return nil
	}
	out := make([]map[string]any, len(ads))
	for i, a := range ads {
		out[i] = map[string]any{"type": int(a.Type), "data_hex": hex.EncodeToString(a.Data)}
	}
	return out
}

func macString(b []byte) string {
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02x", x)
	}
	return strings.Join(parts, ":")
}

// MarshalJSON writes the fields as one object, in order.
func (t Typed) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range t.Fields() {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Key)
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Line writes the fields on one line: key=value separated by spaces,
// strings quoted where they need it, records as record0.type=… and so on.
func (t Typed) Line() string {
	var parts []string
	for _, f := range t.Fields() {
		if rs, ok := f.Value.([]map[string]any); ok {
			for i, r := range rs {
				_, text := r["text"]
				_, uri := r["uri"]
				for _, k := range []string{"tnf", "type", "id", "lang", "text", "uri", "payload_hex"} {
					if k == "payload_hex" && (text || uri) {
						continue // the text or URI says it
					}
					if v, ok := r[k]; ok && v != "" {
						parts = append(parts, fmt.Sprintf("%s%d.%s=%s", strings.TrimSuffix(f.Key, "s"), i, k, lineValue(v)))
					}
				}
			}
			continue
		}
		parts = append(parts, f.Key+"="+lineValue(f.Value))
	}
	return strings.Join(parts, " ")
}

func lineValue(v any) string {
	switch x := v.(type) {
	case string:
		if x == "" || strings.ContainsAny(x, " \t\"\\=") || !printableText([]byte(x)) {
			return strconv.Quote(x)
		}
		return x
	case []string:
		return strings.Join(x, ",")
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
