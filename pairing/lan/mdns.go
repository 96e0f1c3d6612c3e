// Package lan carries warble pairing over a local network: the host
// advertises itself with DNS-SD over multicast DNS as a [Service]
// (_warble._tcp), with a TXT record saying which code it waits for; the
// joiner browses for it, dials TCP, and the pairing handshake runs on that
// connection. What the devices keep afterwards is TLS 1.3 on the same
// connection, with certificates made from their Ed25519 identities, each
// side pinning the other's key (see [Server] and [Client]).
//
// # TXT record
//
//	v=2                 protocol version
//	d=3fa2c41e          discriminator: [Discriminator] of the code's nameplate
//	neg=1               the host negotiates the challenge (no code yet)
//	fp=<16 hex>.<32 hex> the device's fingerprint, blinded: a random salt, new
//	                    for each advert, and a hash of the salt and the
//	                    fingerprint, when it accepts reconnections
//	name=<text>         the device's name, for people
//
// A joiner with a code looks for its discriminator, so among many hosts on
// one network it picks the one that made its code; a device reconnecting
// looks for an advert whose blinded fingerprint its peer's fingerprint
// matches ([ForPeer]). Someone who does not know the fingerprint learns
// nothing from the blinded value, and cannot tell that two adverts (of two
// accept runs) came from one device. Neither field is secret or proof:
// the handshake or the pinned TLS proves who is who.
//
// # Interfaces
//
// [Interfaces] picks the network interfaces to advertise and browse on:
// the ones named, or every interface that is up and does multicast.
package lan

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/mdns"
	"warble/pairing"
)

// Service is the DNS-SD service type warble advertises.
const Service = "_warble._tcp"

const (
	domain         = "local."
	txtVersion     = "2"
	fpSaltLen      = 8  // bytes of salt in a blinded fingerprint
	fpTagLen       = 16 // bytes of hash in a blinded fingerprint
	maxNameLen     = 63
	queryInterval  = time.Second
	discriminatorN = 8 // hex digits
)

var quiet = log.New(io.Discard, "", 0)

// Discriminator is what a host's TXT record carries for the code whose
// nameplate is nameplate: eight hex digits of a hash of it.
func Discriminator(nameplate string) string {
	h := sha256.Sum256([]byte("warble lan discriminator v1\x00" + nameplate))
	return hex.EncodeToString(h[:discriminatorN/2])
}

// Interfaces returns the interfaces named in names, separated by commas,
// or, for "", every interface that is up and does multicast.
func Interfaces(names string) ([]net.Interface, error) {
	if strings.TrimSpace(names) == "" {
		all, err := net.Interfaces()
		if err != nil {
			return nil, fmt.Errorf("lan: listing interfaces: %w", err)
		}
		var out []net.Interface
		for _, ifi := range all {
			if ifi.Flags&net.FlagUp != 0 && ifi.Flags&net.FlagMulticast != 0 {
				out = append(out, ifi)
			}
		}
		if len(out) == 0 {
			return nil, errors.New("lan: no interface is up with multicast; name one with -iface")
		}
		return out, nil
	}
	var out []net.Interface
	for _, name := range strings.Split(names, ",") {
		name = strings.TrimSpace(name)
		ifi, err := net.InterfaceByName(name)
		if err != nil {
			return nil, fmt.Errorf("lan: interface %q: %w", name, err)
		}
		if ifi.Flags&net.FlagUp == 0 {
			return nil, fmt.Errorf("lan: interface %q is down", name)
		}
		if ifi.Flags&net.FlagMulticast == 0 {
			return nil, fmt.Errorf("lan: interface %q does not do multicast", name)
		}
		out = append(out, *ifi)
	}
	return out, nil
}

// Advert is what a device advertises.
type Advert struct {
	Port          int    // TCP port of its listener
	Name          string // device name, shown to people
	Discriminator string // [Discriminator] of the code it waits for, or ""
	Negotiate     bool   // it waits for a joiner to negotiate the challenge
	Fingerprint   string // its fingerprint, when it accepts reconnections
}

// blindFingerprint is the fp= value for fp under salt.
func blindFingerprint(fp string, salt []byte) string {
	return hex.EncodeToString(salt) + "." + hex.EncodeToString(fpTag(fp, salt))
}

func fpTag(fp string, salt []byte) []byte {
	h := sha256.Sum256(append(append([]byte("warble lan fingerprint v2\x00"), salt...), fp...))
	return h[:fpTagLen]
}

// txt is the advert's TXT record, the fingerprint blinded with salt.
func (a Advert) txt(salt []byte) []string {
	t := []string{"v=" + txtVersion}
	if a.Discriminator != "" {
		t = append(t, "d="+a.Discriminator)
	}
	if a.Negotiate {
		t = append(t, "neg=1")
	}
	if a.Fingerprint != "" {
		t = append(t, "fp="+blindFingerprint(a.Fingerprint, salt))
	}
	if a.Name != "" {
		t = append(t, "name="+cleanName(a.Name))
	}
	return t
}

func (a Advert) check() error {
	if a.Port < 1 || a.Port > 65535 {
		return fmt.Errorf("lan: port %d outside 1..65535", a.Port)
	}
	if a.Discriminator != "" && !isHex(a.Discriminator, discriminatorN) {
		return fmt.Errorf("lan: discriminator %q is not %d hex digits", a.Discriminator, discriminatorN)
	}
	if a.Fingerprint != "" && !pairing.ValidFingerprint(a.Fingerprint) {
		return fmt.Errorf("lan: %q is not a fingerprint", a.Fingerprint)
	}
	return nil
}

// Entry is a device found on the network.
type Entry struct {
	Instance      string
	Addrs         []net.IP
	Port          int
	Name          string
	Discriminator string
	Negotiate     bool
	// fpSalt and fpTag are the blinded fingerprint; see [Entry.Is].
	fpSalt, fpTag []byte
}

// Is reports whether the entry's blinded fingerprint is fp's.
func (e Entry) Is(fp string) bool {
	return len(e.fpSalt) == fpSaltLen && subtle.ConstantTimeCompare(e.fpTag, fpTag(fp, e.fpSalt)) == 1
}

// parseTXT reads a TXT record into e. It keeps the fields it understands
// and are well formed, and fails on a record of another version.
func parseTXT(fields []string, e *Entry) error {
	version := ""
	for _, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "v":
			version = v
		case "d":
			if !isHex(v, discriminatorN) {
				return fmt.Errorf("lan: TXT discriminator %q is not %d hex digits", clip(v), discriminatorN)
			}
			e.Discriminator = v
		case "neg":
			e.Negotiate = v == "1"
		case "fp":
			salt, tag, ok := strings.Cut(v, ".")
			if !ok || !isHex(salt, 2*fpSaltLen) || !isHex(tag, 2*fpTagLen) {
				return fmt.Errorf("lan: TXT fingerprint %q is not a blinded one", clip(v))
			}
			e.fpSalt, _ = hex.DecodeString(salt)
			e.fpTag, _ = hex.DecodeString(tag)
		case "name":
			e.Name = cleanName(v)
		}
	}
	if version != txtVersion {
		return fmt.Errorf("lan: TXT version %q, want %s", clip(version), txtVersion)
	}
	return nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// cleanName makes s printable (no control characters, so no terminal
// escapes, and no bidirectional overrides) and at most maxNameLen bytes.
func cleanName(s string) string {
	var b strings.Builder
	for _, c := range s {
		if !unicode.IsPrint(c) || c == utf8.RuneError {
			c = '?'
		}
		if b.Len()+utf8.RuneLen(c) > maxNameLen {
			break
		}
		b.WriteRune(c)
	}
	return b.String()
}

func clip(s string) string {
	if len(s) > 16 {
		return cleanName(s[:16]) + "…"
	}
	return cleanName(s)
}

// Advertiser answers mDNS queries for one [Advert] until closed.
type Advertiser struct {
	servers []*mdns.Server
	// Instance is the DNS-SD instance name, random for each advert.
	Instance string
}

// Advertise starts answering for a on ifaces (see [Interfaces]), giving
// the interfaces' addresses.
func Advertise(a Advert, ifaces []net.Interface) (*Advertiser, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	if len(ifaces) == 0 {
		return nil, errors.New("lan: no interfaces to advertise on")
	}
	var id [6]byte
	rand.Read(id[:])
	instance := "warble-" + hex.EncodeToString(id[:])
	salt := make([]byte, fpSaltLen)
	rand.Read(salt)
	var ips []net.IP
	for _, ifi := range ifaces {
		addrs, err := ifi.Addrs()
		if err != nil {
			return nil, fmt.Errorf("lan: addresses of %s: %w", ifi.Name, err)
		}
		for _, addr := range addrs {
			ipn, ok := addr.(*net.IPNet)
			if !ok || ipn.IP.IsLinkLocalUnicast() || ipn.IP.IsMulticast() {
				continue
			}
			ips = append(ips, ipn.IP)
		}
	}
	if len(ips) == 0 {
		return nil, errors.New("lan: the chosen interfaces have no usable address")
	}
	zone, err := mdns.NewMDNSService(instance, Service, domain, instance+"."+domain, a.Port, ips, a.txt(salt))
	if err != nil {
		return nil, fmt.Errorf("lan: %w", err)
	}
	ad := &Advertiser{Instance: instance}
	for i := range ifaces {
		s, err := mdns.NewServer(&mdns.Config{Zone: zone, Iface: &ifaces[i], Logger: quiet})
		if err != nil {
			ad.Close()
			return nil, fmt.Errorf("lan: advertising on %s: %w", ifaces[i].Name, err)
		}
		ad.servers = append(ad.servers, s)
	}
	return ad, nil
}

// Close stops answering.
func (ad *Advertiser) Close() error {
	for _, s := range ad.servers {
		s.Shutdown()
	}
	ad.servers = nil
	return nil
}

// Browse queries ifaces for warble devices, again every second, until
// match accepts one or ctx ends. Entries whose TXT record does not parse
// are passed over.
func Browse(ctx context.Context, ifaces []net.Interface, match func(Entry) bool) (Entry, error) {
	if len(ifaces) == 0 {
		return Entry{}, errors.New("lan: no interfaces to browse on")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	found := make(chan Entry, 1)
	// The queries stop within a round of ctx ending; Browse does not wait.
	for i := range ifaces {
		go browseOn(ctx, &ifaces[i], match, found)
	}
	select {
	case e := <-found:
		return e, nil
	case <-ctx.Done():
		return Entry{}, fmt.Errorf("lan: no matching warble device found: %w", context.Cause(ctx))
	}
}

// browseOn queries one interface round after round.
func browseOn(ctx context.Context, ifi *net.Interface, match func(Entry) bool, found chan<- Entry) {
	for ctx.Err() == nil {
		entries := make(chan *mdns.ServiceEntry, 64)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for se := range entries {
				e, ok := entry(se)
				if ok && match(e) {
					select {
					case found <- e:
					default:
					}
				}
			}
		}()
		err := mdns.QueryContext(ctx, &mdns.QueryParam{
			Service:     Service,
			Domain:      "local",
			Timeout:     queryInterval,
			Interface:   ifi,
			Entries:     entries,
			DisableIPv6: true,
			Logger:      quiet,
		})
		close(entries)
		<-done
		if err != nil {
			// No socket on this interface now; try again next round.
			select {
			case <-ctx.Done():
			case <-time.After(queryInterval):
			}
		}
	}
}

// entry turns a service entry from the network into an Entry.
func entry(se *mdns.ServiceEntry) (Entry, bool) {
	if se == nil || se.Port <= 0 || se.Port > 65535 {
		return Entry{}, false
	}
	e := Entry{Instance: strings.TrimSuffix(se.Name, "."+Service+"."+domain), Port: se.Port}
	if se.AddrV4 != nil {
		e.Addrs = append(e.Addrs, se.AddrV4)
	}
	if se.AddrV6IPAddr != nil && se.AddrV6IPAddr.Zone == "" {
		e.Addrs = append(e.Addrs, se.AddrV6IPAddr.IP)
	}
	if len(e.Addrs) == 0 || parseTXT(se.InfoFields, &e) != nil {
		return Entry{}, false
	}
	return e, true
}

// ForCode matches the host waiting for the code whose nameplate is given.
func ForCode(nameplate string) func(Entry) bool {
	d := Discriminator(nameplate)
	return func(e Entry) bool { return e.Discriminator == d }
}

// Negotiating matches a host that lets the joiner negotiate the challenge.
func Negotiating(e Entry) bool { return e.Negotiate }

// ForPeer matches the device whose fingerprint is fp: an advert whose
// blinded fingerprint fp matches.
func ForPeer(fp string) func(Entry) bool {
	return func(e Entry) bool { return e.Is(fp) }
}

// Listen opens the TCP listener a host advertises, on every address; its
// port goes in [Advert.Port].
func Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		return nil, fmt.Errorf("lan: %w", err)
	}
	return ln, nil
}

// Port is the TCP port of a listener from [Listen].
func Port(ln net.Listener) int {
	if a, ok := ln.Addr().(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
}

// Dial connects to e, trying its addresses in turn.
func Dial(ctx context.Context, e Entry) (net.Conn, error) {
	var d net.Dialer
	var errs []error
	for _, ip := range e.Addrs {
		c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(ip.String(), fmt.Sprint(e.Port)))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, errors.New("lan: device has no address")
	}
	return nil, fmt.Errorf("lan: dialing %s: %w", e.Instance, errors.Join(errs...))
}

// Find browses for a device match accepts and dials it.
func Find(ctx context.Context, ifaces []net.Interface, match func(Entry) bool) (net.Conn, Entry, error) {
	e, err := Browse(ctx, ifaces, match)
	if err != nil {
		return nil, Entry{}, err
	}
	c, err := Dial(ctx, e)
	if err != nil {
		return nil, Entry{}, err
	}
	return c, e, nil
}
