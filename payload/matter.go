package payload

import (
	"fmt"
	"strconv"
	"strings"
)

// Matter is a Matter onboarding payload (Matter Core Specification 1.3,
// section 5.1): what a commissioner needs to find a device and prove it
// holds its setup passcode. It has two text forms: the QR code payload
//
//	MT:-24J0AFN00KA0648G00
//
// (base-38 of the packed bits below, least significant bit first, then
// optional TLV data) and the manual pairing code of 11 digits, or 21 with
// the vendor and product ids, ending in a Verhoeff check digit.
//
//	version 3 | vendor id 16 | product id 16 | commissioning flow 2 |
//	rendezvous 8 | discriminator 12 | passcode 27 | padding 4
type Matter struct {
	Version       uint8  // 3 bits; 0 is the only version defined
	VendorID      uint16 // 0 when unknown (an 11-digit manual code)
	ProductID     uint16
	Flow          uint8  // commissioning flow: 0 standard, 1 user intent, 2 custom
	Rendezvous    uint8  // bit 0 SoftAP, 1 BLE, 2 on IP network, 3 Wi-Fi PAF
	Discriminator uint16 // 12 bits
	// ShortDiscriminator is set when only the top 4 bits of Discriminator
	// are known, as from a manual code: Discriminator is then those bits
	// shifted left by 8.
	ShortDiscriminator bool
	Passcode           uint32 // 1 to 99999998, not a trivial one
	TLV                []byte // optional data after the packed bits: a Matter TLV structure, see [Matter.Info]
	// FromManual is set for a payload read from a manual code: it has no
	// QR form, since the code lacks the full discriminator and rendezvous.
	FromManual bool
}

const (
	matterBits        = 88
	base38Alphabet    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-."
	matterMaxPasscode = 99999998
)

// forbiddenPasscodes are the setup passcodes the Matter specification
// (5.1.7.1) does not allow.
var forbiddenPasscodes = map[uint32]bool{
	0: true, 11111111: true, 22222222: true, 33333333: true, 44444444: true,
	55555555: true, 66666666: true, 77777777: true, 88888888: true,
	99999999: true, 12345678: true, 87654321: true,
}

// CheckPasscode reports whether p is a setup passcode Matter allows.
func CheckPasscode(p uint32) error {
	if p < 1 || p > matterMaxPasscode {
		return fmt.Errorf("passcode %d is outside 1..%d", p, matterMaxPasscode)
	}
	if forbiddenPasscodes[p] {
		return fmt.Errorf("passcode %08d is one the specification forbids", p)
	}
	return nil
}

// Check validates the fields.
func (m Matter) Check() error {
	if m.Version != 0 {
		return valErr("matter", "version", 0, "version %d is not 0", m.Version)
	}
	if m.Flow > 2 {
		return valErr("matter", "commissioning flow", 0, "commissioning flow %d is reserved", m.Flow)
	}
	if m.Rendezvous&0xf0 != 0 {
		return valErr("matter", "rendezvous", 0, "rendezvous 0x%02x sets reserved bits", m.Rendezvous)
	}
	if m.Discriminator > 0xfff {
		return valErr("matter", "discriminator", 0, "discriminator %d is more than 12 bits", m.Discriminator)
	}
	if m.ShortDiscriminator && m.Discriminator&0xff != 0 {
		return valErr("matter", "discriminator", 0, "a short discriminator has only its top 4 bits")
	}
	if err := CheckPasscode(m.Passcode); err != nil {
		return valErr("matter", "passcode", 0, "%v", err)
	}
	if len(m.TLV) > 0 {
		if _, err := parseMatterTLV(m.TLV, matterBits/8); err != nil {
			return err
		}
	}
	return nil
}

// Info returns the optional data's elements (serial number, vendor data).
func (m Matter) Info() []MatterInfo {
	if len(m.TLV) == 0 {
		return nil
	}
	in, _ := parseMatterTLV(m.TLV, matterBits/8)
	return in
}

// QR returns the MT: QR code payload.
func (m Matter) QR() (string, error) {
	if err := m.Check(); err != nil {
		return "", err
	}
	if m.ShortDiscriminator || m.FromManual {
		return "", valErr("matter", "discriminator", 0, "a payload from a manual code has no QR form: the code holds only 4 bits of the discriminator")
	}
	var b [matterBits / 8]byte
	off := 0
	put := func(v uint64, n int) {
		for i := range n {
			if v>>i&1 != 0 {
				b[off/8] |= 1 << (off % 8)
			}
			off++
		}
	}
	put(uint64(m.Version), 3)
	put(uint64(m.VendorID), 16)
	put(uint64(m.ProductID), 16)
	put(uint64(m.Flow), 2)
	put(uint64(m.Rendezvous), 8)
	put(uint64(m.Discriminator), 12)
	put(uint64(m.Passcode), 27)
	put(0, 4)
	return "MT:" + base38Encode(append(b[:], m.TLV...)), nil
}

func base38Encode(b []byte) string {
	var s strings.Builder
	for i := 0; i < len(b); i += 3 {
		n := min(3, len(b)-i)
		v := 0
		for j := n - 1; j >= 0; j-- {
			v = v<<8 | int(b[i+j])
		}
		chars := map[int]int{1: 2, 2: 4, 3: 5}[n]
		for range chars {
			s.WriteByte(base38Alphabet[v%38])
			v /= 38
		}
	}
	return s.String()
}

// base38Decode reverses base38Encode; off is where s starts in the input,
// for errors.
func base38Decode(s string, off int) ([]byte, error) {
	var out []byte
	for i := 0; i < len(s); i += 5 {
		n := min(5, len(s)-i)
		bytesOut := map[int]int{2: 1, 4: 2, 5: 3}[n]
		if bytesOut == 0 {
			return nil, synErr("matter", "base-38", off+i, "a final group of %d characters is not 2, 4 or 5", n)
		}
		v := 0
		for j := n - 1; j >= 0; j-- {
			k := strings.IndexByte(base38Alphabet, s[i+j])
			if k < 0 {
				return nil, synErr("matter", "base-38", off+i+j, "%q is not a base-38 character", s[i+j])
			}
			v = v*38 + k
		}
		if v >= 1<<(8*bytesOut) {
			return nil, synErr("matter", "base-38", off+i, "group %q is more than %d bytes", s[i:i+n], bytesOut)
		}
		for range bytesOut {
			out = append(out, byte(v))
			v >>= 8
		}
	}
	return out, nil
}

// ParseMatter reads an MT: QR payload or a manual pairing code (11 or 21
// digits; dashes and spaces between them are ignored).
func ParseMatter(s string) (Matter, error) {
	if strings.HasPrefix(s, "MT:") {
		return parseMatterQR(s)
	}
	return ParseManualCode(s)
}

func parseMatterQR(s string) (Matter, error) {
	body := s[3:]
	if i := strings.IndexByte(body, '*'); i >= 0 {
		return Matter{}, synErr("matter", "qr", 3+i, "a QR code with several payloads (*) is not supported; give one")
	}
	b, err := base38Decode(body, 3)
	if err != nil {
		return Matter{}, err
	}
	if len(b) < matterBits/8 {
		return Matter{}, synErr("matter", "qr", len(s), "payload is %d bytes, want at least %d", len(b), matterBits/8)
	}
	off := 0
	get := func(n int) uint64 {
		var v uint64
		for i := range n {
			v |= uint64(b[off/8]>>(off%8)&1) << i
			off++
		}
		return v
	}
	var m Matter
	m.Version = uint8(get(3))
	m.VendorID = uint16(get(16))
	m.ProductID = uint16(get(16))
	m.Flow = uint8(get(2))
	m.Rendezvous = uint8(get(8))
	m.Discriminator = uint16(get(12))
	m.Passcode = uint32(get(27))
	if pad := get(4); pad != 0 {
		return Matter{}, synErr("matter", "padding", 3, "padding bits are %d, want 0", pad)
	}
	if len(b) > matterBits/8 {
		m.TLV = b[matterBits/8:]
	}
	if err := m.Check(); err != nil {
		var se *SyntaxError
		if asSyntax(err, &se) {
			se.Offset = 3
		}
		return Matter{}, err
	}
	return m, nil
}

func asSyntax(err error, se **SyntaxError) bool {
	e, ok := err.(*SyntaxError)
	if ok {
		*se = e
	}
	return ok
}

// verhoeff tables: d is the dihedral group D5's multiplication, p the
// position permutations, inv the inverses.
var (
	verhoeffD = [10][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
		{2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
		{4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
		{8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
	}
	verhoeffP = [8][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
		{5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
		{9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
	}
	verhoeffInv = [10]byte{0, 4, 3, 2, 1, 5, 6, 7, 8, 9}
)

// VerhoeffDigit returns the Verhoeff check digit for a string of digits.
func VerhoeffDigit(digits string) byte {
	var c byte
	for i := len(digits) - 1; i >= 0; i-- {
		c = verhoeffD[c][verhoeffP[(len(digits)-i)%8][digits[i]-'0']]
	}
	return '0' + verhoeffInv[c]
}

// ManualCode returns the manual pairing code: 21 digits when the flow is
// custom (with vendor and product ids), else 11.
func (m Matter) ManualCode() (string, error) {
	if err := m.Check(); err != nil {
		return "", err
	}
	short := uint32(m.Discriminator >> 8)
	long := m.Flow == 2
	var lead uint32
	if long {
		lead = 1 << 2
	}
	s := fmt.Sprintf("%d%05d%04d", lead|short>>2, (short&3)<<14|m.Passcode&0x3fff, m.Passcode>>14)
	if long {
		s += fmt.Sprintf("%05d%05d", m.VendorID, m.ProductID)
	}
	return s + string(VerhoeffDigit(s)), nil
}

// ParseManualCode reads an 11- or 21-digit manual pairing code.
func ParseManualCode(s string) (Matter, error) {
	var d []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			d = append(d, c)
		case c == '-' || c == ' ':
		default:
			return Matter{}, synErr("matter", "manual code", i, "%q is not a digit (a manual code is 11 or 21 digits, a QR payload starts MT:)", c)
		}
	}
	if len(d) != 11 && len(d) != 21 {
		return Matter{}, synErr("matter", "manual code", 0, "%d digits, want 11 or 21", len(d))
	}
	body := string(d[:len(d)-1])
	if want := VerhoeffDigit(body); want != d[len(d)-1] {
		return Matter{}, synErr("matter", "check digit", len(d)-1, "check digit is %c, want %c", d[len(d)-1], want)
	}
	first := uint32(d[0] - '0')
	long := first&4 != 0
	if first > 7 {
		return Matter{}, synErr("matter", "manual code", 0, "first digit %d is more than 7", first)
	}
	if long != (len(d) == 21) {
		return Matter{}, synErr("matter", "manual code", 0, "first digit %d says a %s code, but it has %d digits", first, map[bool]string{true: "21-digit", false: "11-digit"}[long], len(d))
	}
	n := func(a, b int) uint32 { v, _ := strconv.Atoi(body[a:b]); return uint32(v) }
	c2, c3 := n(1, 6), n(6, 10)
	if c2 >= 1<<16 || c3 >= 1<<13 {
		return Matter{}, synErr("matter", "manual code", 1, "digits 2 to 10 do not encode a passcode")
	}
	m := Matter{
		Discriminator:      uint16((first&3)<<2|c2>>14) << 8,
		ShortDiscriminator: true,
		Passcode:           c2&0x3fff | c3<<14,
		FromManual:         true,
	}
	if long {
		vid, pid := n(10, 15), n(15, 20)
		if vid > 0xffff || pid > 0xffff {
			return Matter{}, synErr("matter", "vendor id", 10, "vendor or product id is more than 65535")
		}
		m.VendorID, m.ProductID, m.Flow = uint16(vid), uint16(pid), 2
	}
	if err := m.Check(); err != nil {
		return Matter{}, err
	}
	return m, nil
}
