package payload

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// FromJSON builds a payload of the given kind from a JSON object of its
// fields, named as [Typed.Fields] prints them; the output's own object
// (with "type", and derived fields such as "curve") is accepted too.
// Unknown fields are an error.
func FromJSON(kind string, data []byte) (Typed, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	fail := func(err error) (Typed, error) {
		return Typed{}, fmt.Errorf("payload: %s JSON: %v", kind, err)
	}
	var typ struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &typ); err != nil {
		return fail(err)
	}
	if typ.Type != "" && typ.Type != kind && !(kind == KindNDEFText || kind == KindNDEFURI || kind == KindNDEF) {
		return fail(fmt.Errorf("object has type %q", typ.Type))
	}
	hexField := func(name, s string, n int) ([]byte, error) {
		if s == "" {
			return nil, nil
		}
		b, err := hex.DecodeString(strings.NewReplacer(":", "", " ", "").Replace(s))
		if err != nil || len(b) != n {
			return nil, fmt.Errorf("%s %q is not %d hex bytes", name, s, n)
		}
		return b, nil
	}
	switch kind {
	case KindNDEFText, KindNDEFURI, KindNDEF:
		var j struct {
			Type    string `json:"type"`
			Text    string `json:"text"`
			Lang    string `json:"lang"`
			UTF16   bool   `json:"utf16"`
			URI     string `json:"uri"`
			Records []struct {
				TNF        int    `json:"tnf"`
				Type       string `json:"type"`
				ID         string `json:"id"`
				PayloadHex string `json:"payload_hex"`
				Text       string `json:"text"`
				Lang       string `json:"lang"`
				UTF16      bool   `json:"utf16"`
				URI        string `json:"uri"`
			} `json:"records"`
		}
		if err := dec.Decode(&j); err != nil {
			return fail(err)
		}
		if len(j.Records) > 0 {
			var m Message
			for i, r := range j.Records {
				p, err := hex.DecodeString(r.PayloadHex)
				if err != nil {
					return fail(fmt.Errorf("records[%d].payload_hex: %v", i, err))
				}
				rec := Record{TNF: TNF(r.TNF), Type: []byte(r.Type), ID: []byte(r.ID), Payload: p}
				switch {
				case r.PayloadHex == "" && r.Text != "" && (r.Type == "T" || r.Type == ""):
					lang := r.Lang
					if lang == "" {
						lang = "en"
					}
					if rec, err = TextRecord(Text{Lang: lang, Text: r.Text, UTF16: r.UTF16}); err != nil {
						return Typed{}, err
					}
					rec.ID = []byte(r.ID)
				case r.PayloadHex == "" && r.URI != "" && (r.Type == "U" || r.Type == ""):
					if rec, err = URIRecord(r.URI); err != nil {
						return Typed{}, err
					}
					rec.ID = []byte(r.ID)
				}
				if rec.TNF < TNFEmpty || rec.TNF > TNFUnknown {
					return fail(fmt.Errorf("records[%d].tnf %d is not 0 to 5", i, r.TNF))
				}
				m = append(m, rec)
			}
			if _, err := m.Marshal(); err != nil {
				return Typed{}, err
			}
			return FromNDEF(m)
		}
		if kind == KindNDEF {
			return Typed{}, fmt.Errorf("payload: ndef JSON: give \"records\", each with tnf, type, id and payload_hex (or text or uri)")
		}
		if kind == KindNDEFText {
			lang := j.Lang
			if lang == "" {
				lang = "en"
			}
			return NewText(Text{Lang: lang, Text: j.Text, UTF16: j.UTF16})
		}
		return NewURI(j.URI)
	case KindWiFi:
		var j struct {
			Type     string            `json:"type"`
			SSID     string            `json:"ssid"`
			Password string            `json:"password"`
			Security string            `json:"security"`
			Hidden   bool              `json:"hidden"`
			Extra    map[string]string `json:"extra"`
		}
		if err := dec.Decode(&j); err != nil {
			return fail(err)
		}
		w := WiFi{SSID: j.SSID, Password: j.Password, Security: j.Security, Hidden: j.Hidden}
		for _, k := range slices.Sorted(maps.Keys(j.Extra)) {
			w.Extra = append(w.Extra, WiFiField{Key: k, Value: j.Extra[k]})
		}
		return NewWiFi(w)
	case KindDPP:
		var j struct {
			Type     string            `json:"type"`
			Channels []string          `json:"channels"`
			MAC      string            `json:"mac"`
			Info     string            `json:"info"`
			Version  string            `json:"version"`
			Key      string            `json:"key"`
			Curve    string            `json:"curve"`
			Extra    map[string]string `json:"extra"`
		}
		if err := dec.Decode(&j); err != nil {
			return fail(err)
		}
		d := DPP{Channels: j.Channels, Info: j.Info, Version: j.Version}
		var err error
		if d.MAC, err = hexField("mac", j.MAC, 6); err != nil {
			return fail(err)
		}
		if d.Key, err = base64.StdEncoding.DecodeString(j.Key); err != nil {
			return fail(fmt.Errorf("key is not base64: %v", err))
		}
		for _, k := range slices.Sorted(maps.Keys(j.Extra)) {
			d.Extra = append(d.Extra, WiFiField{Key: k, Value: j.Extra[k]})
		}
		return NewDPP(d)
	case KindMatter:
		var j struct {
			Type          string  `json:"type"`
			VendorID      *uint16 `json:"vendor_id"`
			ProductID     *uint16 `json:"product_id"`
			Discriminator *uint16 `json:"discriminator"`
			Short         *uint16 `json:"short_discriminator"`
			Passcode      *uint32 `json:"passcode"`
			Flow          uint8   `json:"flow"`
			Rendezvous    uint8   `json:"rendezvous"`
			ManualCode    string  `json:"manual_code"`
			QR            string  `json:"qr"`
			TLVHex        string  `json:"tlv_hex"`
			SerialNumber  any     `json:"serial_number"`
			Optional      []struct {
				Tag    uint8   `json:"tag"`
				String *string `json:"string"`
				Int    *int64  `json:"int"`
			} `json:"optional"`
		}
		if err := dec.Decode(&j); err != nil {
			return fail(err)
		}
		if j.Passcode == nil || j.Discriminator == nil {
			switch {
			case j.QR != "":
				return ParseTextForm(KindMatter, j.QR)
			case j.ManualCode != "":
				return ParseTextForm(KindMatter, j.ManualCode)
			}
			return fail(fmt.Errorf("give discriminator and passcode (with vendor_id, product_id, flow, rendezvous), or qr, or manual_code"))
		}
		mt := Matter{Discriminator: *j.Discriminator, Passcode: *j.Passcode, Flow: j.Flow, Rendezvous: j.Rendezvous}
		if j.VendorID != nil {
			mt.VendorID = *j.VendorID
		}
		if j.ProductID != nil {
			mt.ProductID = *j.ProductID
		}
		var infos []MatterInfo
		switch sn := j.SerialNumber.(type) {
		case nil:
		case string:
			infos = append(infos, MatterInfo{Tag: 0, String: &sn})
		case float64:
			n := int64(sn)
			if float64(n) != sn || n < 0 {
				return fail(fmt.Errorf("serial_number %v is not a whole number", sn))
			}
			infos = append(infos, MatterInfo{Tag: 0, Int: &n})
		default:
			return fail(fmt.Errorf("serial_number is not a string or number"))
		}
		for _, o := range j.Optional {
			if o.Tag == 0 || (o.String == nil) == (o.Int == nil) {
				return fail(fmt.Errorf("optional tag %d: give a tag 1 to 255 and one of string or int", o.Tag))
			}
			infos = append(infos, MatterInfo{Tag: o.Tag, String: o.String, Int: o.Int})
		}
		switch {
		case j.TLVHex != "":
			b, err := hex.DecodeString(j.TLVHex)
			if err != nil {
				return fail(fmt.Errorf("tlv_hex: %v", err))
			}
			mt.TLV = b
		case len(infos) > 0:
			b, err := appendMatterTLV(nil, infos)
			if err != nil {
				return Typed{}, err
			}
			mt.TLV = b
		}
		if j.Short != nil {
			mt.ShortDiscriminator, mt.FromManual = true, true
		}
		t, err := NewMatter(mt)
		if err != nil {
			return Typed{}, err
		}
		if j.QR != "" {
			if qr, _ := mt.QR(); qr != j.QR {
				return fail(fmt.Errorf("qr %q does not match the fields (they give %q)", j.QR, qr))
			}
		}
		return t, nil
	case KindBTOOB:
		var j struct {
			Type          string   `json:"type"`
			Address       string   `json:"address"`
			ClassOfDevice flexUint `json:"class_of_device"`
			HashC         string   `json:"hash_c"`
			RandomizerR   string   `json:"randomizer_r"`
			Name          string   `json:"name"`
			ShortName     bool     `json:"short_name"`
			Extra         []struct {
				Type    byte   `json:"type"`
				DataHex string `json:"data_hex"`
			} `json:"extra"`
		}
		if err := dec.Decode(&j); err != nil {
			return fail(err)
		}
		a, err := ParseBDAddr(j.Address)
		if err != nil {
			return fail(err)
		}
		o := BTOOB{Address: a, ClassOfDevice: j.ClassOfDevice.v, Name: j.Name, ShortName: j.ShortName}
		if o.HashC, err = hexField("hash_c", j.HashC, 16); err != nil {
			return fail(err)
		}
		if o.RandomizerR, err = hexField("randomizer_r", j.RandomizerR, 16); err != nil {
			return fail(err)
		}
		for _, e := range j.Extra {
			b, err := hex.DecodeString(e.DataHex)
			if err != nil {
				return fail(fmt.Errorf("extra data_hex: %v", err))
			}
			o.Extra = append(o.Extra, AD{Type: e.Type, Data: b})
		}
		return NewBTOOB(o)
	case KindBLEOOB:
		var j struct {
			Type        string   `json:"type"`
			Address     string   `json:"address"`
			AddressType string   `json:"address_type"`
			Role        flexUint `json:"role"`
			Confirm     string   `json:"confirm"`
			Random      string   `json:"random"`
			Name        string   `json:"name"`
			ShortName   bool     `json:"short_name"`
			Extra       []struct {
				Type    byte   `json:"type"`
				DataHex string `json:"data_hex"`
			} `json:"extra"`
		}
		if err := dec.Decode(&j); err != nil {
			return fail(err)
		}
		a, err := ParseBDAddr(j.Address)
		if err != nil {
			return fail(err)
		}
		if j.Role.v == nil || *j.Role.v > LERoleCentralPreferred {
			return fail(fmt.Errorf("role is missing or not 0 to 3 (0 peripheral, 1 central, 2 both with peripheral preferred, 3 both with central preferred; or those names)"))
		}
		o := BLEOOB{Address: a, Role: uint8(*j.Role.v), Name: j.Name, ShortName: j.ShortName}
		switch j.AddressType {
		case "", "public":
		case "random":
			o.RandomAddress = true
		default:
			return fail(fmt.Errorf("address_type %q is not public or random", j.AddressType))
		}
		if o.Confirm, err = hexField("confirm", j.Confirm, 16); err != nil {
			return fail(err)
		}
		if o.Random, err = hexField("random", j.Random, 16); err != nil {
			return fail(err)
		}
		for _, e := range j.Extra {
			b, err := hex.DecodeString(e.DataHex)
			if err != nil {
				return fail(fmt.Errorf("extra data_hex: %v", err))
			}
			o.Extra = append(o.Extra, AD{Type: e.Type, Data: b})
		}
		return NewBLEOOB(o)
	}
	return Typed{}, fmt.Errorf("payload: unknown type %q (want %s)", kind, strings.Join(Kinds, ", "))
}

// flexUint is a JSON number, or a string holding one ("0x200404", "12"),
// or an LE role's name.
type flexUint struct{ v *uint32 }

var roleNames = map[string]uint32{
	"peripheral": LERolePeripheral, "central": LERoleCentral,
	"peripheral-preferred": LERolePeripheralPreferred, "central-preferred": LERoleCentralPreferred,
}

func (f *flexUint) UnmarshalJSON(b []byte) error {
	var n uint32
	if err := json.Unmarshal(b, &n); err == nil {
		f.v = &n
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%s is not a number", b)
	}
	if r, ok := roleNames[strings.ToLower(s)]; ok {
		f.v = &r
		return nil
	}
	u, err := strconv.ParseUint(s, 0, 32)
	if err != nil {
		return fmt.Errorf("%q is not a number", s)
	}
	n = uint32(u)
	f.v = &n
	return nil
}
