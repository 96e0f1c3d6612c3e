package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
