package main

import (
	"path/filepath"
	"testing"

	"warble/optical"
	"warble/pairing"
	"warble/payload"
)

// ndefInvite wraps an invitation in a warble.dev:pair NDEF message.
func ndefInvite(t *testing.T, invite []byte) []byte {
	t.Helper()
	m, err := payload.PairMessage(invite)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseInviteNDEF(t *testing.T) {
	code, _ := pairing.ParseCode("7-mfrggzdfmztwq2lknnwg23tpoa")
	for _, c := range []struct {
		invite string
		via    string
		ok     bool
	}{
		{string(code.Compact()), "", true},
		{code.String(), "", true},
		{"warble:pair?code=" + code.String() + "&via=ws%3A%2F%2Fr%3A1", "ws://r:1", true},
		{"hello", "", false},
	} {
		u, ok := parseInvite(ndefInvite(t, []byte(c.invite)))
		if ok != c.ok || ok && (u.Code != code || u.Via != c.via) {
			t.Errorf("parseInvite(NDEF %q) = %+v, %v; want ok %v, via %q", c.invite, u, ok, c.ok, c.via)
		}
	}
	// A record of another type is not an invitation.
	r, _ := payload.ExternalRecord("example.com:pair", []byte(code.String()))
	b, _ := payload.Message{r}.Marshal()
	if u, ok := parseInvite(b); ok {
		t.Errorf("parseInvite of an example.com:pair record = %+v", u)
	}
}

// TestPairFlashNDEFThroughRelay: the joiner reads a flashed NDEF message
// whose warble.dev:pair record holds the host's pairing URI, as an NFC
// tag written for the host would, and pairs.
func TestPairFlashNDEFThroughRelay(t *testing.T) {
	url := testRelay(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	host := start(t, nil, "pair", "host", "-state", a, "-via", url, "-name", "tv", "-timeout", "60s", "-json")
	c := host.next(t, "code")
	code, err := pairing.ParseCode(c["code"].(string))
	if err != nil {
		t.Fatalf("code event %v: %v", c, err)
	}
	uri := pairing.URI{Code: code, Via: url}.String()
	p, _ := optical.Lookup("full")
	trace := flashedTrace(t, filepath.Join(dir, "trace.csv"), p, ndefInvite(t, []byte(uri)))
	join := start(t, nil, "pair", "join", "-state", b, "-flash", trace, "-via", url, "-name", "sensor", "-timeout", "20s", "-json")
	if r := join.next(t, "read"); r["nameplate"] != code.Nameplate() {
		t.Fatalf("read event %v", r)
	}
	hp, jp := host.next(t, "paired"), join.next(t, "paired")
	if hr, jr := host.wait(t), join.wait(t); hr.code != 0 || jr.code != 0 {
		t.Fatalf("exit host %d (%s), join %d (%s)", hr.code, hr.stderr, jr.code, jr.stderr)
	}
	if hp["peer"] != selfOf(t, b) || jp["peer"] != selfOf(t, a) {
		t.Fatalf("paired: %v, %v", hp, jp)
	}
}
