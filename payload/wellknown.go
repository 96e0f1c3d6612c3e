package payload

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Text is the payload of a well-known Text record ("T", NFC Forum Text
// RTD 1.0): a language code (RFC 5646, such as "en" or "en-US") and the
// text, stored as UTF-8 or, with UTF16 set, as UTF-16.
type Text struct {
	Lang  string
	Text  string
	UTF16 bool
}

// TextRecord returns the well-known Text record for t.
func TextRecord(t Text) (Record, error) {
	if len(t.Lang) == 0 || len(t.Lang) > 63 {
		return Record{}, synErr("ndef", "text language", 1, "language code %q is not 1 to 63 characters", t.Lang)
	}
	for i := 0; i < len(t.Lang); i++ {
		if c := t.Lang[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return Record{}, synErr("ndef", "text language", 1+i, "language code %q has a character outside A-Z, 0-9 and -", t.Lang)
		}
	}
	if !utf8.ValidString(t.Text) {
		return Record{}, synErr("ndef", "text", 1+len(t.Lang), "text is not valid UTF-8")
	}
	p := []byte{byte(len(t.Lang))}
	p = append(p, t.Lang...)
	if t.UTF16 {
		p[0] |= 0x80
		for _, u := range utf16.Encode([]rune(t.Text)) {
			p = binary.BigEndian.AppendUint16(p, u)
		}
	} else {
		p = append(p, t.Text...)
	}
	return Record{TNF: TNFWellKnown, Type: []byte("T"), Payload: p}, nil
}

// ParseText reads the payload of a well-known Text record.
func ParseText(p []byte) (Text, error) {
	if len(p) == 0 {
		return Text{}, synErr("ndef", "text status", 0, "text payload is empty")
	}
	st := p[0]
	if st&0x40 != 0 {
		return Text{}, synErr("ndef", "text status", 0, "reserved bit 6 is set")
	}
	n := int(st & 0x3f)
	if n == 0 {
		return Text{}, synErr("ndef", "text language", 1, "language code is empty")
	}
	if 1+n > len(p) {
		return Text{}, synErr("ndef", "text language", 1, "language code of %d bytes runs past the payload (%d bytes)", n, len(p))
	}
	lang := p[1 : 1+n]
	for i, c := range lang {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return Text{}, synErr("ndef", "text language", 1+i, "language code has byte 0x%02x", c)
		}
	}
	body := p[1+n:]
	t := Text{Lang: string(lang), UTF16: st&0x80 != 0}
	if !t.UTF16 {
		if !utf8.Valid(body) {
			return Text{}, synErr("ndef", "text", 1+n+invalidUTF8At(body), "text is not valid UTF-8")
		}
		t.Text = string(body)
		return t, nil
	}
	if len(body)%2 != 0 {
		return Text{}, synErr("ndef", "text", 1+n+len(body)-1, "UTF-16 text has an odd number of bytes")
	}
	order := binary.ByteOrder(binary.BigEndian) // no byte order mark: big-endian
	if len(body) >= 2 {
		switch {
		case body[0] == 0xfe && body[1] == 0xff:
			body = body[2:]
		case body[0] == 0xff && body[1] == 0xfe:
			order, body = binary.LittleEndian, body[2:]
		}
	}
	u := make([]uint16, len(body)/2)
	for i := range u {
		u[i] = order.Uint16(body[2*i:])
	}
	for i := 0; i < len(u); i++ {
		switch {
		case utf16.IsSurrogate(rune(u[i])) && u[i] < 0xdc00 && i+1 < len(u) && u[i+1] >= 0xdc00 && u[i+1] <= 0xdfff:
			i++
		case utf16.IsSurrogate(rune(u[i])):
			return Text{}, synErr("ndef", "text", 1+n+2*i, "UTF-16 text has an unpaired surrogate")
		}
	}
	t.Text = string(utf16.Decode(u))
	return t, nil
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return 0
}

// uriPrefixes is the URI identifier code table of the NFC Forum URI RTD
// 1.0, table 3: code i stands for uriPrefixes[i]. Codes 0x24 to 0xFF are
// reserved.
var uriPrefixes = [...]string{
	"", "http://www.", "https://www.", "http://", "https://", "tel:", "mailto:",
	"ftp://anonymous:anonymous@", "ftp://ftp.", "ftps://", "sftp://", "smb://",
	"nfs://", "ftp://", "dav://", "news:", "telnet://", "imap:", "rtsp://",
	"urn:", "pop:", "sip:", "sips:", "tftp:", "btspp://", "btl2cap://",
	"btgoep://", "tcpobex://", "irdaobex://", "file://", "urn:epc:id:",
	"urn:epc:tag:", "urn:epc:pat:", "urn:epc:raw:", "urn:epc:", "urn:nfc:",
}

// URIRecord returns the well-known URI record ("U") for uri, abbreviated
// with the longest prefix of the URI identifier code table.
func URIRecord(uri string) (Record, error) {
	if uri == "" {
		return Record{}, synErr("ndef", "uri", 1, "URI is empty")
	}
	if !utf8.ValidString(uri) {
		return Record{}, synErr("ndef", "uri", 1+invalidUTF8At([]byte(uri)), "URI is not valid UTF-8")
	}
	if i := strings.IndexFunc(uri, func(r rune) bool { return r < 0x20 || r == 0x7f }); i >= 0 {
		return Record{}, synErr("ndef", "uri", 1+i, "URI has a control character")
	}
	code := 0
	for i, p := range uriPrefixes {
		if strings.HasPrefix(uri, p) && len(p) > len(uriPrefixes[code]) {
			code = i
		}
	}
	p := append([]byte{byte(code)}, uri[len(uriPrefixes[code]):]...)
	return Record{TNF: TNFWellKnown, Type: []byte("U"), Payload: p}, nil
}

// ParseURI reads the payload of a well-known URI record and returns the
// whole URI, its prefix expanded.
func ParseURI(p []byte) (string, error) {
	if len(p) == 0 {
		return "", synErr("ndef", "uri identifier code", 0, "URI payload is empty")
	}
	if int(p[0]) >= len(uriPrefixes) {
		return "", synErr("ndef", "uri identifier code", 0, "identifier code 0x%02x is reserved", p[0])
	}
	rest := p[1:]
	if !utf8.Valid(rest) {
		return "", synErr("ndef", "uri", 1+invalidUTF8At(rest), "URI is not valid UTF-8")
	}
	for i, c := range rest {
		if c < 0x20 || c == 0x7f {
			return "", synErr("ndef", "uri", 1+i, "URI has control byte 0x%02x", c)
		}
	}
	uri := uriPrefixes[p[0]] + string(rest)
	if uri == "" {
		return "", synErr("ndef", "uri", 1, "URI is empty")
	}
	return uri, nil
}

// IsText reports whether r is a well-known Text record.
func (r Record) IsText() bool { return r.TNF == TNFWellKnown && string(r.Type) == "T" }

// IsURI reports whether r is a well-known URI record.
func (r Record) IsURI() bool { return r.TNF == TNFWellKnown && string(r.Type) == "U" }

// MediaRecord returns a media-type record; the type is compared without
// regard to case, as RFC 2046 says.
func MediaRecord(mediaType string, payload []byte) (Record, error) {
	r := Record{TNF: TNFMedia, Type: []byte(mediaType), Payload: payload}
	if err := r.check(0); err != nil {
		return Record{}, err
	}
	return r, nil
}

// ExternalRecord returns an NFC Forum external-type record, type
// "domain:type" (stored in lower case: external types ignore case).
func ExternalRecord(typ string, payload []byte) (Record, error) {
	r := Record{TNF: TNFExternal, Type: []byte(strings.ToLower(typ)), Payload: payload}
	if err := r.check(0); err != nil {
		return Record{}, err
	}
	return r, nil
}

// Is reports whether r has the given TNF and type, ignoring case as media
// and external types do.
func (r Record) Is(tnf TNF, typ string) bool {
	if r.TNF != tnf {
		return false
	}
	if tnf == TNFWellKnown {
		return string(r.Type) == typ
	}
	return strings.EqualFold(string(r.Type), typ)
}
