package payload

import (
	"crypto/ecdh"
	"crypto/elliptic"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// DPP is a Wi-Fi Easy Connect (Device Provisioning Protocol) bootstrapping
// URI, as a QR code or NFC tag carries it (Wi-Fi Easy Connect 2.0,
// section 5.2.1):
//
//	DPP:C:81/1,115/36;M:5254005828e5;I:SN=4774LH2b4044;V:2;K:MDkw…;;
//
// Key is the device's bootstrapping public key, a DER SubjectPublicKeyInfo
// holding an EC point on P-256, P-384 or P-521 (the NIST curves the
// specification lists; the Brainpool ones are refused as unsupported).
type DPP struct {
	Channels []string // "class/channel", such as "81/1"; C: groups them by class
	MAC      []byte   // 6 bytes, or nil
	Info     string   // I:, printable ASCII without ;
	Version  string   // V:, "" when absent
	Key      []byte   // DER SubjectPublicKeyInfo
	// Extra holds other fields (H:, B:, …) in order, kept as they were.
	Extra []WiFiField
}

// Curve returns the name of the key's curve ("P-256", …).
func (d DPP) Curve() string {
	c, _, err := parseECKey(d.Key)
	if err != nil {
		return ""
	}
	return c
}

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	ecCurves       = []struct {
		name  string
		oid   asn1.ObjectIdentifier
		curve elliptic.Curve
		ecdh  ecdh.Curve
	}{
		{"P-256", asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}, elliptic.P256(), ecdh.P256()},
		{"P-384", asn1.ObjectIdentifier{1, 3, 132, 0, 34}, elliptic.P384(), ecdh.P384()},
		{"P-521", asn1.ObjectIdentifier{1, 3, 132, 0, 35}, elliptic.P521(), ecdh.P521()},
	}
	brainpool = map[string]string{
		"1.3.36.3.3.2.8.1.1.7":  "brainpoolP256r1",
		"1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1",
		"1.3.36.3.3.2.8.1.1.13": "brainpoolP512r1",
	}
)

type spki struct {
	Algorithm struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters asn1.RawValue
	}
	PublicKey asn1.BitString
}

// parseECKey checks that der is a SubjectPublicKeyInfo of a point on a
// supported curve, compressed or not, and returns the curve's name and the
// key.
func parseECKey(der []byte) (string, *ecdh.PublicKey, error) {
	var k spki
	rest, err := asn1.Unmarshal(der, &k)
	if err != nil {
		return "", nil, fmt.Errorf("key is not a DER SubjectPublicKeyInfo: %v", err)
	}
	if len(rest) != 0 {
		return "", nil, fmt.Errorf("%d bytes follow the SubjectPublicKeyInfo", len(rest))
	}
	if !k.Algorithm.Algorithm.Equal(oidECPublicKey) {
		return "", nil, fmt.Errorf("key algorithm %v is not an EC public key", k.Algorithm.Algorithm)
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(k.Algorithm.Parameters.FullBytes, &oid); err != nil {
		return "", nil, fmt.Errorf("key has no named curve: %v", err)
	}
	if name, ok := brainpool[oid.String()]; ok {
		return "", nil, fmt.Errorf("curve %s is not supported (P-256, P-384 and P-521 are)", name)
	}
	for _, c := range ecCurves {
		if !c.oid.Equal(oid) {
			continue
		}
		pt := k.PublicKey.RightAlign()
		if k.PublicKey.BitLength%8 != 0 {
			return "", nil, fmt.Errorf("key bit string is not whole bytes")
		}
		size := (c.curve.Params().BitSize + 7) / 8
		if len(pt) == 1+size && (pt[0] == 2 || pt[0] == 3) {
			if pt, err = decompress(c.curve, pt); err != nil {
				return "", nil, err
			}
		}
		pub, err := c.ecdh.NewPublicKey(pt)
		if err != nil {
			return "", nil, fmt.Errorf("key is not a point on %s", c.name)
		}
		return c.name, pub, nil
	}
	return "", nil, fmt.Errorf("curve %v is not supported (P-256, P-384 and P-521 are)", oid)
}

// decompress turns a compressed point (SEC 1, 2.3.4) into an uncompressed
// one: y² = x³ − 3x + b over a prime field with p ≡ 3 (mod 4).
func decompress(c elliptic.Curve, pt []byte) ([]byte, error) {
	p := c.Params()
	x := new(big.Int).SetBytes(pt[1:])
	if x.Cmp(p.P) >= 0 {
		return nil, fmt.Errorf("key x coordinate is not below the field prime")
	}
	y2 := new(big.Int).Exp(x, big.NewInt(3), p.P)
	y2.Sub(y2, new(big.Int).Mul(x, big.NewInt(3)))
	y2.Add(y2, p.B)
	y2.Mod(y2, p.P)
	y := new(big.Int).ModSqrt(y2, p.P)
	if y == nil {
		return nil, fmt.Errorf("key is not a point on %s", p.Name)
	}
	if y.Bit(0) != uint(pt[0]&1) {
		y.Sub(p.P, y)
	}
	size := (p.BitSize + 7) / 8
	out := make([]byte, 1+2*size)
	out[0] = 4
	x.FillBytes(out[1 : 1+size])
	y.FillBytes(out[1+size:])
	return out, nil
}

func dppInfoOK(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == ';' {
			return i
		}
	}
	return -1
}

// Check validates the fields, the key above all.
func (d DPP) Check() error {
	if len(d.Key) == 0 {
		return valErr("dpp", "key", 0, "the public key (K:) is missing")
	}
	if _, _, err := parseECKey(d.Key); err != nil {
		return valErr("dpp", "key", 0, "%v", err)
	}
	if d.MAC != nil && len(d.MAC) != 6 {
		return valErr("dpp", "mac", 0, "MAC is %d bytes, want 6", len(d.MAC))
	}
	if i := dppInfoOK(d.Info); i >= 0 {
		return valErr("dpp", "info", i, "information has a byte outside printable ASCII or a ;")
	}
	for i := 0; i < len(d.Version); i++ {
		if c := d.Version[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return valErr("dpp", "version", i, "version %q is not letters and digits", d.Version)
		}
	}
	if _, err := groupChannels(d.Channels); err != nil {
		return err
	}
	for _, f := range d.Extra {
		if len(f.Key) != 1 || !(f.Key[0] >= 'A' && f.Key[0] <= 'Z') || strings.Contains("CMIVK", f.Key) {
			return valErr("dpp", "field", 0, "field key %q is not one capital letter other than C, M, I, V and K", f.Key)
		}
		if i := dppInfoOK(f.Value); i >= 0 {
			return valErr("dpp", "field "+f.Key, i, "value has a byte outside printable ASCII or a ;")
		}
	}
	return nil
}

// groupChannels writes the C: value: "81/1,6,115/36" for 81/1, 81/6, 115/36.
func groupChannels(chs []string) (string, error) {
	var b strings.Builder
	last := ""
	for i, ch := range chs {
		class, num, ok := strings.Cut(ch, "/")
		if !ok || !dppNumber(class) || !dppNumber(num) {
			return "", valErr("dpp", "channels", i, "channel %q is not class/channel (numbers 0 to 255)", ch)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		if class == last {
			b.WriteString(num)
		} else {
			b.WriteString(ch)
		}
		last = class
	}
	return b.String(), nil
}

func dppNumber(s string) bool {
	if len(s) == 0 || len(s) > 3 {
		return false
	}
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n <= 255 && strconv.Itoa(n) == s
}

// String returns the DPP: URI.
func (d DPP) String() string {
	var b strings.Builder
	b.WriteString("DPP:")
	if len(d.Channels) > 0 {
		c, _ := groupChannels(d.Channels)
		b.WriteString("C:" + c + ";")
	}
	if d.MAC != nil {
		b.WriteString("M:" + hex.EncodeToString(d.MAC) + ";")
	}
	if d.Info != "" {
		b.WriteString("I:" + d.Info + ";")
	}
	if d.Version != "" {
		b.WriteString("V:" + d.Version + ";")
	}
	for _, f := range d.Extra {
		b.WriteString(f.Key + ":" + f.Value + ";")
	}
	b.WriteString("K:" + base64.StdEncoding.EncodeToString(d.Key) + ";;")
	return b.String()
}

// ParseDPP reads a DPP: bootstrapping URI and validates its key.
func ParseDPP(s string) (DPP, error) {
	if !strings.HasPrefix(s, "DPP:") {
		return DPP{}, synErr("dpp", "scheme", 0, "text does not start with DPP:")
	}
	var d DPP
	seen := map[string]bool{}
	i := len("DPP:")
	for {
		if i >= len(s) {
			return DPP{}, synErr("dpp", "terminator", i, "URI ends without the closing ;;")
		}
		if s[i] == ';' {
			if i+1 != len(s) {
				return DPP{}, synErr("dpp", "terminator", i+1, "%d bytes follow the closing ;;", len(s)-i-1)
			}
			break
		}
		if i+2 > len(s) || s[i+1] != ':' || !(s[i] >= 'A' && s[i] <= 'Z') {
			return DPP{}, synErr("dpp", "field", i, "field does not start with a capital letter and a colon")
		}
		key := s[i : i+1]
		if seen[key] {
			return DPP{}, synErr("dpp", "field "+key, i, "field %s appears twice", key)
		}
		seen[key] = true
		at := i + 2
		end := strings.IndexByte(s[at:], ';')
		if end < 0 {
			return DPP{}, synErr("dpp", "field "+key, at, "value runs to the end without ;")
		}
		val := s[at : at+end]
		if j := dppInfoOK(val); j >= 0 {
			return DPP{}, synErr("dpp", "field "+key, at+j, "byte 0x%02x is not printable ASCII", val[j])
		}
		i = at + end + 1
		switch key {
		case "C":
			class := ""
			for _, item := range strings.Split(val, ",") {
				if c, n, ok := strings.Cut(item, "/"); ok {
					class, item = c, n
					if !dppNumber(class) {
						return DPP{}, synErr("dpp", "channel list", at, "operating class %q is not a number 0 to 255", class)
					}
				}
				if class == "" || !dppNumber(item) {
					return DPP{}, synErr("dpp", "channel list", at, "%q is not class/channel,channel…", val)
				}
				d.Channels = append(d.Channels, class+"/"+item)
			}
		case "M":
			m := strings.NewReplacer(":", "", "-", "").Replace(val)
			b, err := hex.DecodeString(m)
			if err != nil || len(b) != 6 {
				return DPP{}, synErr("dpp", "mac", at, "MAC %q is not 12 hex digits", val)
			}
			d.MAC = b
		case "I":
			d.Info = val
		case "V":
			d.Version = val
			for j := 0; j < len(val); j++ {
				if c := val[j]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
					return DPP{}, synErr("dpp", "version", at+j, "version %q is not letters and digits", val)
				}
			}
			if val == "" {
				return DPP{}, synErr("dpp", "version", at, "version is empty")
			}
		case "K":
			b, err := base64.StdEncoding.DecodeString(val)
			if err != nil {
				return DPP{}, synErr("dpp", "key", at, "key is not base64: %v", err)
			}
			if _, _, err := parseECKey(b); err != nil {
				return DPP{}, &SyntaxError{Format: "dpp", Field: "key", Offset: at, Msg: err.Error(), Err: ErrInvalidValue}
			}
			d.Key = b
		default:
			d.Extra = append(d.Extra, WiFiField{Key: key, Value: val})
		}
	}
	if d.Key == nil {
		return DPP{}, synErr("dpp", "key", len(s), "the public key (K:) is missing")
	}
	return d, nil
}
