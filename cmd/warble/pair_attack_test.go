package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"warble/pairing"
	"warble/pairing/relay"
)

// The tests join as fast as a machine can; only TestPairDropsEarlyJoin
// wants the host to find that suspicious.
func init() { earlyJoinNanos.Store(0) }

// A joiner on the relay within moments of the code appearing has not read
// it: the host drops that code, and pairs with a new one.
func TestPairDropsEarlyJoin(t *testing.T) {
	earlyJoinNanos.Store(int64(time.Hour))
	defer earlyJoinNanos.Store(0)
	url := testRelay(t)
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	host := start(t, nil, "pair", "host", "-state", a, "-via", url, "-timeout", "20s", "-json")
	first := host.next(t, "code")["code"].(string)
	np, _, _ := strings.Cut(first, "-")

	// The prober joins the nameplate at once.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	probe, err := relay.Dial(ctx, url, np, relay.RoleJoin)
	if err != nil {
		t.Fatalf("prober: %v", err)
	}
	defer probe.Close()
	if ev := host.next(t, "early-join"); ev["nameplate"] != np {
		t.Fatalf("early-join event %v, want nameplate %s", ev, np)
	}
	if _, err := probe.Read(make([]byte, 1)); err == nil {
		t.Fatal("the prober's connection stayed up")
	}
	earlyJoinNanos.Store(0)
	second := host.next(t, "code")["code"].(string)
	if second == first {
		t.Fatal("the host kept the code the prober joined")
	}
	// The old code is dead; the new one pairs.
	r := warble(t, nil, "pair", "join", "-state", b, "-via", url, "-code", first, "-timeout", "5s")
	r.want(t, 1, "join with the dropped code")
	join := start(t, nil, "pair", "join", "-state", b, "-via", url, "-code", second, "-timeout", "20s", "-json")
	host.next(t, "paired")
	join.next(t, "paired")
	if hr, jr := host.wait(t), join.wait(t); hr.code != 0 || jr.code != 0 {
		t.Fatalf("exit host %d, join %d\n%s\n%s", hr.code, jr.code, hr.stderr, jr.stderr)
	}
}

// A joiner whose nameplate no host opened is told so at once, and waits
// for nobody.
func TestPairJoinNoSuchPairing(t *testing.T) {
	url := testRelay(t)
	b := filepath.Join(t.TempDir(), "b")
	r := warble(t, nil, "pair", "join", "-state", b, "-via", url, "-code", "4711-guitar-kitten-maple", "-timeout", "20s")
	r.want(t, 1, "join with no host")
	if !strings.Contains(r.stderr, "no such pairing") {
		t.Fatalf("stderr %q does not say no such pairing", r.stderr)
	}
}

// A joiner that can take a strong challenge does not offer the typed code
// unless asked, so stripping the strong one leaves nothing to downgrade to.
func TestJoinerOffer(t *testing.T) {
	for _, c := range []struct {
		later      string
		mic, typed bool
		want       string
	}{
		{"", false, false, "code"},
		{"", true, false, "audio"},
		{"", true, true, "audio code"},
		{"qr", true, false, "qr"},
		{"flash", false, false, "flash"},
		{"flash", false, true, "flash code"},
	} {
		if got := strings.Join(joinerOffer(c.later, c.mic, c.typed), " "); got != c.want {
			t.Errorf("joinerOffer(%q, mic %v, typed %v) = %q, want %q", c.later, c.mic, c.typed, got, c.want)
		}
	}
}

// The files the host writes carry the 128-bit secret: only their owner may
// read them.
func TestPairSecretFilesPrivate(t *testing.T) {
	url := testRelay(t)
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	for _, c := range []struct {
		args  []string
		files []string
	}{
		{[]string{"-qr", filepath.Join(dir, "code.png")}, []string{"code.png"}},
		{[]string{"-flash-levels", filepath.Join(dir, "code.levels"), "-flash-html", filepath.Join(dir, "code.html")}, []string{"code.levels", "code.html"}},
	} {
		args := append([]string{"pair", "host", "-state", a, "-via", url, "-timeout", "3s", "-json"}, c.args...)
		host := start(t, nil, args...)
		host.next(t, "code")
		for _, f := range c.files {
			st, err := os.Stat(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			if perm := st.Mode().Perm(); perm != 0o600 {
				t.Errorf("%s has mode %04o, want 0600", f, perm)
			}
		}
		host.wait(t)
	}
}

// A state directory others can read is refused, with the fix.
func TestPairRefusesOpenState(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	warble(t, nil, "peers", "-state", dir).want(t, 0, "peers on a fresh state")
	os.Chmod(dir, 0o755)
	r := warble(t, nil, "peers", "-state", dir)
	r.want(t, 2, "peers on an open state directory")
	if !strings.Contains(r.stderr, "chmod 700") {
		t.Fatalf("stderr does not give the fix: %s", r.stderr)
	}
}

// pairedStates makes two state directories that paired through the relay
// at url, without running a pairing.
func pairedStates(t *testing.T, url string) (a, b string, ia, ib *pairing.Identity) {
	t.Helper()
	a, b = filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	var err error
	if ia, err = pairing.LoadOrCreateIdentity(a); err != nil {
		t.Fatal(err)
	}
	if ib, err = pairing.LoadOrCreateIdentity(b); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		dir  string
		peer *pairing.Identity
		name string
	}{{a, ib, "phone"}, {b, ia, "tv"}} {
		st, err := pairing.OpenStore(s.dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddPeer(pairing.Peer{Fingerprint: s.peer.Fingerprint(), PublicKey: s.peer.Public, Name: s.name, Via: "relay", Relay: url, PairedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	return a, b, ia, ib
}

// Someone who knows the rendezvous name and fails the key exchange does not
// stop accept: the paired peer still connects.
func TestAcceptOutlastsFailedReconnection(t *testing.T) {
	url := testRelay(t)
	a, b, ia, ib := pairedStates(t, url)
	type out struct {
		code           int
		stdout, stderr string
	}
	accepted := make(chan out, 1)
	var errOut lockedBuffer
	go func() {
		var o bytes.Buffer
		c := run([]string{"accept", "-state", a, "-timeout", "20s"}, strings.NewReader("from accept"), &o, &errOut)
		accepted <- out{c, o.String(), errOut.String()}
	}()
	// A stranger takes the caller's place on the channel and fails the
	// exchange, twice.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	name := pairing.RendezvousName(ia.Fingerprint(), ib.Fingerprint(), time.Now())
	for range 2 {
		var c *relay.Conn
		var err error
		for {
			c, err = relay.Dial(ctx, url, name, relay.RoleConnect)
			if err == nil || ctx.Err() != nil {
				break
			}
			time.Sleep(50 * time.Millisecond) // accept not there yet
		}
		if err != nil {
			t.Fatal(err)
		}
		stranger, _ := pairing.NewIdentity()
		if _, err := pairing.Reconnect(ctx, c, stranger, true, func(ed25519.PublicKey) bool { return true }); err == nil {
			t.Fatal("a stranger reconnected")
		}
		c.Close()
	}
	var cout, cerr bytes.Buffer
	ccode := run([]string{"connect", "-state", b, "-timeout", "20s", "tv"}, strings.NewReader("from connect"), &cout, &cerr)
	ar := <-accepted
	if ccode != 0 || ar.code != 0 || cout.String() != "from accept" || ar.stdout != "from connect" {
		t.Fatalf("after the stranger: connect exit %d %q (%s), accept exit %d %q (%s)", ccode, cout.String(), cerr.String(), ar.code, ar.stdout, ar.stderr)
	}
}
