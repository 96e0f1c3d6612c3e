package lan

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"warble/pairing"
)

func identity(t testing.TB) *pairing.Identity {
	t.Helper()
	id, err := pairing.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// tlsPair runs Server and Client over a loopback TCP connection.
func tlsPair(t *testing.T, srvID, cliID *pairing.Identity, srvPin, cliPin Pin) (sc, cc *tls.Conn, sk, ck ed25519.PublicKey, serr, cerr error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx := ctxT(t, 20*time.Second)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := ln.Accept()
		if err != nil {
			serr = err
			return
		}
		sc, sk, serr = Server(ctx, c, srvID, srvPin)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cc, ck, cerr = Client(ctx, c, cliID, cliPin)
	if cerr != nil {
		c.Close()
	}
	wg.Wait()
	return
}

func TestPinnedTLS(t *testing.T) {
	host, join := identity(t), identity(t)
	sc, cc, sk, ck, serr, cerr := tlsPair(t, host, join, PinKey(join.Public), PinFingerprint(host.Fingerprint()))
	if serr != nil || cerr != nil {
		t.Fatalf("pinned TLS: server %v, client %v", serr, cerr)
	}
	defer sc.Close()
	defer cc.Close()
	if pairing.Fingerprint(sk) != join.Fingerprint() || pairing.Fingerprint(ck) != host.Fingerprint() {
		t.Fatal("the sides saw other keys than each other's")
	}
	if v := cc.ConnectionState().Version; v != tls.VersionTLS13 {
		t.Fatalf("TLS version %x, want 1.3", v)
	}
	go cc.Write([]byte("pinned"))
	got := make([]byte, 6)
	if _, err := io.ReadFull(sc, got); err != nil || string(got) != "pinned" {
		t.Fatalf("over TLS: %q, %v", got, err)
	}
}

func TestPinRefusesOtherKeys(t *testing.T) {
	host, join, mallory := identity(t), identity(t), identity(t)
	// The client expects the host but reaches mallory.
	_, _, _, _, serr, cerr := tlsPair(t, mallory, join, PinKey(join.Public), PinKey(host.Public))
	if !errors.Is(cerr, ErrNotPinned) {
		t.Errorf("client reaching the wrong server: %v, want ErrNotPinned", cerr)
	}
	if serr == nil {
		t.Error("the wrong server's handshake succeeded")
	}
	// The server expects the joiner but mallory calls.
	_, cc, _, _, serr, cerr := tlsPair(t, host, mallory, PinFingerprint(join.Fingerprint()), PinKey(host.Public))
	if !errors.Is(serr, ErrNotPinned) {
		t.Errorf("server called by the wrong client: %v, want ErrNotPinned", serr)
	}
	if cerr == nil {
		// TLS 1.3 finishes the client's handshake before the server
		// checks the client; the refusal reaches the client on its
		// first read.
		defer cc.Close()
		cc.SetReadDeadline(time.Now().Add(20 * time.Second))
		if _, err := cc.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("refused client read: %v, want the server's alert", err)
		}
	}
}

func TestConfigNeedsIdentityAndPin(t *testing.T) {
	if _, err := Config(nil, PinKey(make([]byte, 32))); err == nil {
		t.Error("no identity accepted")
	}
	if _, err := Config(identity(t), nil); err == nil {
		t.Error("no pin accepted")
	}
}

func TestDiscriminator(t *testing.T) {
	a, b := Discriminator("7"), Discriminator("8")
	if a == b || !isHex(a, discriminatorN) || a != Discriminator("7") {
		t.Fatalf("discriminators %q, %q", a, b)
	}
}

func TestTXTRoundTrip(t *testing.T) {
	fp := identity(t).Fingerprint()
	a := Advert{Port: 1234, Name: "kitchen\nspeaker", Discriminator: Discriminator("42"), Negotiate: true, Fingerprint: fp}
	salt := []byte("12345678")
	var e Entry
	if err := parseTXT(a.txt(salt), &e); err != nil {
		t.Fatal(err)
	}
	if e.Discriminator != a.Discriminator || !e.Negotiate || !e.Is(fp) || e.Name != "kitchen?speaker" {
		t.Fatalf("TXT %q read back as %+v", a.txt(salt), e)
	}
	if e.Is(identity(t).Fingerprint()) {
		t.Fatal("the blinded fingerprint matched another device")
	}
	// The record never holds the fingerprint, and two adverts of one
	// device (two salts) cannot be linked by it.
	other := a.txt([]byte("87654321"))
	for _, f := range append(a.txt(salt), other...) {
		if strings.Contains(f, fp) || strings.Contains(f, fp[:16]) {
			t.Fatalf("TXT field %q shows the fingerprint", f)
		}
	}
	if slices.Equal(a.txt(salt), other) {
		t.Fatal("two adverts with different salts have the same record")
	}
	for _, bad := range [][]string{
		{"d=" + Discriminator("1")},
		{"v=1"},
		{"v=2", "d=xyz"},
		{"v=2", "fp=00"},
		{"v=2", "fp=" + fp},
	} {
		if err := parseTXT(bad, &Entry{}); err == nil || !strings.HasPrefix(err.Error(), "lan: ") {
			t.Errorf("TXT %q: %v, want a lan: error", bad, err)
		}
	}
	if err := (Advert{Port: 0}).check(); err == nil {
		t.Error("port 0 accepted")
	}
}

func TestInterfacesByName(t *testing.T) {
	if _, err := Interfaces("no-such-if0"); err == nil || !strings.Contains(err.Error(), "no-such-if0") {
		t.Fatalf("unknown interface: %v", err)
	}
}

func FuzzParseTXT(f *testing.F) {
	f.Add("v=2\x00d=3fa2c41e\x00name=tv")
	f.Add("v=2\x00neg=1")
	f.Add("v=2\x00fp=" + blindFingerprint(strings.Repeat("ab", 32), []byte("saltsalt")))
	f.Add("v=1\x00fp=" + strings.Repeat("ab", 32))
	f.Add("v=2\x00d=zz")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		var e Entry
		if err := parseTXT(strings.Split(s, "\x00"), &e); err != nil {
			return
		}
		if e.Discriminator != "" && !isHex(e.Discriminator, discriminatorN) {
			t.Fatalf("bad discriminator %q accepted", e.Discriminator)
		}
		if e.fpSalt != nil && (len(e.fpSalt) != fpSaltLen || len(e.fpTag) != fpTagLen) {
			t.Fatalf("bad blinded fingerprint %x.%x accepted", e.fpSalt, e.fpTag)
		}
		if len(e.Name) > maxNameLen {
			t.Fatalf("name of %d bytes accepted", len(e.Name))
		}
	})
}

// advertise starts a listener and an advert for it on lo.
func advertise(t *testing.T, a Advert) net.Listener {
	t.Helper()
	ln, err := Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	a.Port = Port(ln)
	ifaces, err := Interfaces("lo")
	if err != nil {
		t.Fatal(err)
	}
	ad, err := Advertise(a, ifaces)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ad.Close() })
	return ln
}

func TestBrowsePicksTheRightHost(t *testing.T) {
	if !inNetns(t) {
		return
	}
	peer := identity(t)
	var want net.Listener
	for i := 1; i <= 4; i++ {
		ln := advertise(t, Advert{Name: fmt.Sprintf("host %d", i), Discriminator: Discriminator(fmt.Sprint(i))})
		if i == 3 {
			want = ln
		}
	}
	advertise(t, Advert{Name: "negotiator", Negotiate: true})
	acc := advertise(t, Advert{Name: "acceptor", Fingerprint: peer.Fingerprint()})
	ifaces, err := Interfaces("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		match func(Entry) bool
		ln    net.Listener
		label string
	}{
		{"code", ForCode("3"), want, "host 3"},
		{"peer", ForPeer(peer.Fingerprint()), acc, "acceptor"},
		{"negotiate", Negotiating, nil, "negotiator"},
	} {
		e, err := Browse(ctxT(t, 20*time.Second), ifaces, tc.match)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if e.Name != tc.label || (tc.ln != nil && e.Port != Port(tc.ln)) {
			t.Errorf("%s: found %+v, want %q", tc.name, e, tc.label)
		}
	}
	ctx := ctxT(t, 2500*time.Millisecond)
	if e, err := Browse(ctx, ifaces, ForCode("99")); err == nil {
		t.Errorf("found %+v for a code nobody hosts", e)
	}
}

// TestPairOverLAN is the whole LAN path: advertise, browse, pair over TCP,
// then pinned TLS 1.3 on the same connection.
func TestPairOverLAN(t *testing.T) {
	if !inNetns(t) {
		return
	}
	hostID, joinID := identity(t), identity(t)
	code, err := pairing.NewCode()
	if err != nil {
		t.Fatal(err)
	}
	ln := advertise(t, Advert{Name: "host", Discriminator: Discriminator(code.Nameplate())})
	ifaces, err := Interfaces("lo")
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t, 30*time.Second)
	type outcome struct {
		res *pairing.Result
		tc  *tls.Conn
		err error
	}
	hostDone := make(chan outcome, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			hostDone <- outcome{err: err}
			return
		}
		res, err := pairing.Host(ctx, c, code, hostID, pairing.Info{Name: "host", Kind: "test"})
		if err != nil {
			c.Close()
			hostDone <- outcome{err: err}
			return
		}
		tc, _, err := Server(ctx, c, hostID, PinKey(res.PeerKey))
		hostDone <- outcome{res, tc, err}
	}()
	conn, _, err := Find(ctx, ifaces, ForCode(code.Nameplate()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := pairing.Join(ctx, conn, code, joinID, pairing.Info{Name: "joiner", Kind: "test"})
	if err != nil {
		t.Fatal(err)
	}
	tc, hostKey, err := Client(ctx, conn, joinID, PinFingerprint(res.Fingerprint))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	h := <-hostDone
	if h.err != nil {
		t.Fatal(h.err)
	}
	defer h.tc.Close()
	if pairing.Fingerprint(hostKey) != hostID.Fingerprint() || h.res.Fingerprint != joinID.Fingerprint() {
		t.Fatal("the sides disagree on each other's fingerprints")
	}
	go tc.Write([]byte("kept connection"))
	got := make([]byte, 15)
	if _, err := io.ReadFull(h.tc, got); err != nil || string(got) != "kept connection" {
		t.Fatalf("over the kept TLS connection: %q, %v", got, err)
	}
}
