package payload

import (
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The media types of the Bluetooth out-of-band records, NFC Forum
// Bluetooth Secure Simple Pairing Using NFC (application document 1.1).
const (
	MediaBTOOB  = "application/vnd.bluetooth.ep.oob"
	MediaBLEOOB = "application/vnd.bluetooth.le.oob"
)

// EIR and AD data types (Bluetooth Assigned Numbers, Generic Access
// Profile), those the records below read by name.
const (
	adShortName      = 0x08
	adCompleteName   = 0x09
	adClassOfDevice  = 0x0d
	adHashC          = 0x0e
	adRandomizerR    = 0x0f
	adLEAddress      = 0x1b
	adLERole         = 0x1c
	adLESCConfirm    = 0x22
	adLESCRandom     = 0x23
	bluetoothAddrLen = 6
)

// AD is one EIR or AD structure kept as it was: its type and data.
type AD struct {
	Type byte
	Data []byte
}

// BDAddr is a Bluetooth device address, most significant byte first as it
// is written ("00:0C:78:51:C4:06"); on the air and in these records it is
// stored least significant byte first.
type BDAddr [bluetoothAddrLen]byte

func (a BDAddr) String() string {
	var b strings.Builder
	for i, x := range a {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", x)
	}
	return b.String()
}

// ParseBDAddr reads "00:0C:78:51:C4:06" (colons or dashes, or none).
func ParseBDAddr(s string) (BDAddr, error) {
	h := strings.NewReplacer(":", "", "-", "").Replace(s)
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != bluetoothAddrLen {
		return BDAddr{}, fmt.Errorf("address %q is not 6 hex bytes", s)
	}
	return BDAddr(b), nil
}

func (a BDAddr) appendLE(dst []byte) []byte {
	for i := bluetoothAddrLen - 1; i >= 0; i-- {
		dst = append(dst, a[i])
	}
	return dst
}

func bdAddrLE(b []byte) BDAddr {
	var a BDAddr
	for i := range a {
		a[i] = b[bluetoothAddrLen-1-i]
	}
	return a
}

// readADs reads length-type-data structures from b; off is where b starts
// in the record payload. A zero length ends the data early: what follows
// must be zeros (Core Specification, Vol 3 Part C, 8).
func readADs(format string, b []byte, off int) ([]AD, error) {
	var ads []AD
	for i := 0; i < len(b); {
		n := int(b[i])
		if n == 0 {
			for j := i + 1; j < len(b); j++ {
				if b[j] != 0 {
					return nil, synErr(format, "data structure", off+j, "non-zero byte after the zero length that ends the data")
				}
			}
			break
		}
		if i+1+n > len(b) {
			return nil, synErr(format, "data structure", off+i, "structure of %d bytes runs past the end (%d left)", n, len(b)-i-1)
		}
		ads = append(ads, AD{Type: b[i+1], Data: b[i+2 : i+1+n]})
		i += 1 + n
	}
	return ads, nil
}

func appendAD(dst []byte, t byte, data []byte) []byte {
	dst = append(dst, byte(1+len(data)), t)
	return append(dst, data...)
}

// BTOOB is the Bluetooth BR/EDR out-of-band data of a handover record,
// media type application/vnd.bluetooth.ep.oob: the OOB data length (2
// bytes, little-endian, counting itself), the device address, then EIR
// structures. Hash C and Randomizer R are the P-192 Simple Pairing values,
// 16 bytes each, kept in the order the record stores them.
type BTOOB struct {
	Address       BDAddr
	ClassOfDevice *uint32 // 24 bits; nil when absent
	HashC         []byte
	RandomizerR   []byte
	Name          string
	ShortName     bool // Name is a shortened local name (0x08), not complete (0x09)
	Extra         []AD // other EIR structures, in order
}

// Check validates the fields.
func (o BTOOB) Check() error {
	if o.ClassOfDevice != nil && *o.ClassOfDevice > 0xffffff {
		return valErr("bt-oob", "class of device", 0, "class of device 0x%x is more than 24 bits", *o.ClassOfDevice)
	}
	if o.HashC != nil && len(o.HashC) != 16 {
		return valErr("bt-oob", "hash c", 0, "Hash C is %d bytes, want 16", len(o.HashC))
	}
	if o.RandomizerR != nil && len(o.RandomizerR) != 16 {
		return valErr("bt-oob", "randomizer r", 0, "Randomizer R is %d bytes, want 16", len(o.RandomizerR))
	}
	if !utf8.ValidString(o.Name) || len(o.Name) > 248 {
		return valErr("bt-oob", "name", 0, "name is not UTF-8 of at most 248 bytes")
	}
	for _, a := range o.Extra {
		if len(a.Data) > 254 {
			return valErr("bt-oob", "data structure", 0, "EIR type 0x%02x has %d bytes, more than 254", a.Type, len(a.Data))
		}
	}
	return nil
}

// Marshal returns the record payload.
func (o BTOOB) Marshal() ([]byte, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	b := o.Address.appendLE([]byte{0, 0})
	if o.ClassOfDevice != nil {
		c := *o.ClassOfDevice
		b = appendAD(b, adClassOfDevice, []byte{byte(c), byte(c >> 8), byte(c >> 16)})
	}
	if o.HashC != nil {
		b = appendAD(b, adHashC, o.HashC)
	}
	if o.RandomizerR != nil {
		b = appendAD(b, adRandomizerR, o.RandomizerR)
	}
	if o.Name != "" {
		t := byte(adCompleteName)
		if o.ShortName {
			t = adShortName
		}
		b = appendAD(b, t, []byte(o.Name))
	}
	for _, a := range o.Extra {
		b = appendAD(b, a.Type, a.Data)
	}
	if len(b) > 0xffff {
		return nil, valErr("bt-oob", "oob data length", 0, "data is %d bytes, more than 65535", len(b))
	}
	b[0], b[1] = byte(len(b)), byte(len(b)>>8)
	return b, nil
}

// ParseBTOOB reads the payload of an application/vnd.bluetooth.ep.oob
// record.
func ParseBTOOB(p []byte) (BTOOB, error) {
	if len(p) < 2+bluetoothAddrLen {
		return BTOOB{}, synErr("bt-oob", "oob data length", 0, "payload is %d bytes, want at least 8 (length and address)", len(p))
	}
	if n := int(p[0]) | int(p[1])<<8; n != len(p) {
		return BTOOB{}, synErr("bt-oob", "oob data length", 0, "OOB data length says %d bytes, the payload has %d", n, len(p))
	}
	o := BTOOB{Address: bdAddrLE(p[2:8])}
	ads, err := readADs("bt-oob", p[8:], 8)
	if err != nil {
		return BTOOB{}, err
	}
	seen := map[byte]bool{}
	off := 8
	for _, a := range ads {
		dup := seen[a.Type]
		seen[a.Type] = true
		switch {
		case a.Type == adClassOfDevice && !dup:
			if len(a.Data) != 3 {
				return BTOOB{}, synErr("bt-oob", "class of device", off, "class of device is %d bytes, want 3", len(a.Data))
			}
			c := uint32(a.Data[0]) | uint32(a.Data[1])<<8 | uint32(a.Data[2])<<16
			o.ClassOfDevice = &c
		case a.Type == adHashC && !dup:
			if len(a.Data) != 16 {
				return BTOOB{}, synErr("bt-oob", "hash c", off, "Hash C is %d bytes, want 16", len(a.Data))
			}
			o.HashC = clone(a.Data)
		case a.Type == adRandomizerR && !dup:
			if len(a.Data) != 16 {
				return BTOOB{}, synErr("bt-oob", "randomizer r", off, "Randomizer R is %d bytes, want 16", len(a.Data))
			}
			o.RandomizerR = clone(a.Data)
		case (a.Type == adCompleteName || a.Type == adShortName) && o.Name == "" && len(a.Data) > 0:
			if !utf8.Valid(a.Data) {
				return BTOOB{}, synErr("bt-oob", "name", off+2, "local name is not UTF-8")
			}
			o.Name, o.ShortName = string(a.Data), a.Type == adShortName
		default:
			o.Extra = append(o.Extra, AD{Type: a.Type, Data: clone(a.Data)})
		}
		off += 2 + len(a.Data)
	}
	return o, nil
}

// LE roles, the LE Role AD type's values.
const (
	LERolePeripheral          = 0 // only peripheral
	LERoleCentral             = 1 // only central
	LERolePeripheralPreferred = 2 // both, peripheral preferred for connection
	LERoleCentralPreferred    = 3 // both, central preferred
)

// BLEOOB is Bluetooth LE out-of-band data, media type
// application/vnd.bluetooth.le.oob: AD structures, of which the LE
// Bluetooth Device Address (6 bytes and a type byte: 0 public, 1 random)
// and the LE Role must be present; LE Secure Connections Confirmation and
// Random values are 16 bytes each, kept in the order the record stores
// them.
type BLEOOB struct {
	Address       BDAddr
	RandomAddress bool
	Role          uint8
	Confirm       []byte
	Random        []byte
	Name          string
	ShortName     bool
	Extra         []AD
}

// Check validates the fields.
func (o BLEOOB) Check() error {
	if o.Role > LERoleCentralPreferred {
		return valErr("ble-oob", "role", 0, "LE role %d is reserved (0 to 3)", o.Role)
	}
	if o.Confirm != nil && len(o.Confirm) != 16 {
		return valErr("ble-oob", "confirm", 0, "confirmation value is %d bytes, want 16", len(o.Confirm))
	}
	if o.Random != nil && len(o.Random) != 16 {
		return valErr("ble-oob", "random", 0, "random value is %d bytes, want 16", len(o.Random))
	}
	if !utf8.ValidString(o.Name) || len(o.Name) > 248 {
		return valErr("ble-oob", "name", 0, "name is not UTF-8 of at most 248 bytes")
	}
	for _, a := range o.Extra {
		if len(a.Data) > 254 {
			return valErr("ble-oob", "data structure", 0, "AD type 0x%02x has %d bytes, more than 254", a.Type, len(a.Data))
		}
	}
	return nil
}

// Marshal returns the record payload.
func (o BLEOOB) Marshal() ([]byte, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	addr := o.Address.appendLE(nil)
	if o.RandomAddress {
		addr = append(addr, 1)
	} else {
		addr = append(addr, 0)
	}
	b := appendAD(nil, adLEAddress, addr)
	b = appendAD(b, adLERole, []byte{o.Role})
	if o.Confirm != nil {
		b = appendAD(b, adLESCConfirm, o.Confirm)
	}
	if o.Random != nil {
		b = appendAD(b, adLESCRandom, o.Random)
	}
	if o.Name != "" {
		t := byte(adCompleteName)
		if o.ShortName {
			t = adShortName
		}
		b = appendAD(b, t, []byte(o.Name))
	}
	for _, a := range o.Extra {
		b = appendAD(b, a.Type, a.Data)
	}
	return b, nil
}

// ParseBLEOOB reads the payload of an application/vnd.bluetooth.le.oob
// record.
func ParseBLEOOB(p []byte) (BLEOOB, error) {
	ads, err := readADs("ble-oob", p, 0)
	if err != nil {
		return BLEOOB{}, err
	}
	var o BLEOOB
	seen := map[byte]bool{}
	off := 0
	for _, a := range ads {
		dup := seen[a.Type]
		seen[a.Type] = true
		switch {
		case a.Type == adLEAddress && !dup:
			if len(a.Data) != 7 {
				return BLEOOB{}, synErr("ble-oob", "address", off, "LE device address is %d bytes, want 7", len(a.Data))
			}
			if a.Data[6] > 1 {
				return BLEOOB{}, synErr("ble-oob", "address", off+8, "address type %d is not 0 (public) or 1 (random)", a.Data[6])
			}
			o.Address, o.RandomAddress = bdAddrLE(a.Data[:6]), a.Data[6] == 1
		case a.Type == adLERole && !dup:
			if len(a.Data) != 1 || a.Data[0] > LERoleCentralPreferred {
				return BLEOOB{}, synErr("ble-oob", "role", off, "LE role is not one byte 0 to 3")
			}
			o.Role = a.Data[0]
		case a.Type == adLESCConfirm && !dup:
			if len(a.Data) != 16 {
				return BLEOOB{}, synErr("ble-oob", "confirm", off, "confirmation value is %d bytes, want 16", len(a.Data))
			}
			o.Confirm = clone(a.Data)
		case a.Type == adLESCRandom && !dup:
			if len(a.Data) != 16 {
				return BLEOOB{}, synErr("ble-oob", "random", off, "random value is %d bytes, want 16", len(a.Data))
			}
			o.Random = clone(a.Data)
		case (a.Type == adCompleteName || a.Type == adShortName) && o.Name == "" && len(a.Data) > 0:
			if !utf8.Valid(a.Data) {
				return BLEOOB{}, synErr("ble-oob", "name", off+2, "local name is not UTF-8")
			}
			o.Name, o.ShortName = string(a.Data), a.Type == adShortName
		default:
			o.Extra = append(o.Extra, AD{Type: a.Type, Data: clone(a.Data)})
		}
		off += 2 + len(a.Data)
	}
	if !seen[adLEAddress] {
		return BLEOOB{}, synErr("ble-oob", "address", len(p), "the LE Bluetooth Device Address (0x1B) is missing")
	}
	if !seen[adLERole] {
		return BLEOOB{}, synErr("ble-oob", "role", len(p), "the LE Role (0x1C) is missing")
	}
	return o, nil
}
