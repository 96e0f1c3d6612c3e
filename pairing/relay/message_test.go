package relay

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// seeds reads testdata/messages.txt.
func seeds(t testing.TB) map[string][]byte {
	t.Helper()
	f, err := os.Open("testdata/messages.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, hx, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("testdata/messages.txt: line %q has no colon", line)
		}
		b, err := hex.DecodeString(strings.ReplaceAll(hx, " ", ""))
		if err != nil {
			t.Fatalf("testdata/messages.txt: %s: %v", name, err)
		}
		out[name] = b
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 10 {
		t.Fatalf("testdata/messages.txt holds %d seeds; the seed file is missing or cut short", len(out))
	}
	return out
}

func addSeeds(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b)
	}
}

func TestSeedsParse(t *testing.T) {
	s := seeds(t)
	good := map[string]func([]byte) error{
		"hello-host-7":     func(b []byte) error { _, err := parseHello(b); return err },
		"hello-join-words": func(b []byte) error { _, err := parseHello(b); return err },
		"hello-accept-hex": func(b []byte) error { _, err := parseHello(b); return err },
		"welcome":          func(b []byte) error { _, err := parseWelcome(b); return err },
		"joined":           func(b []byte) error { _, _, err := parseRelayMessage(b); return err },
		"data":             func(b []byte) error { _, err := parseClientMessage(b); return err },
		"data-empty":       func(b []byte) error { _, err := parseClientMessage(b); return err },
		"fail":             func(b []byte) error { _, err := parseClientMessage(b); return err },
		"keepalive":        func(b []byte) error { _, err := parseClientMessage(b); return err },
	}
	for name, parse := range good {
		if err := parse(s[name]); err != nil {
			t.Errorf("seed %s: %v", name, err)
		}
	}
	bad := map[string]func([]byte) error{
		"hello-bad-version":     func(b []byte) error { _, err := parseHello(b); return err },
		"hello-bad-role":        func(b []byte) error { _, err := parseHello(b); return err },
		"hello-upper":           func(b []byte) error { _, err := parseHello(b); return err },
		"hello-empty-nameplate": func(b []byte) error { _, err := parseHello(b); return err },
		"hello-truncated":       func(b []byte) error { _, err := parseHello(b); return err },
		"welcome-short":         func(b []byte) error { _, err := parseWelcome(b); return err },
		"welcome-tiny-limit":    func(b []byte) error { _, err := parseWelcome(b); return err },
		"welcome-zero-idle":     func(b []byte) error { _, err := parseWelcome(b); return err },
		"joined-long":           func(b []byte) error { _, _, err := parseRelayMessage(b); return err },
		"fail-control":          func(b []byte) error { _, err := parseClientMessage(b); return err },
		"fail-bad-utf8":         func(b []byte) error { _, err := parseClientMessage(b); return err },
		"keepalive-long":        func(b []byte) error { _, err := parseClientMessage(b); return err },
		"unknown":               func(b []byte) error { _, err := parseClientMessage(b); return err },
		"empty":                 func(b []byte) error { _, err := parseClientMessage(b); return err },
	}
	for name, parse := range bad {
		err := parse(s[name])
		var me *MessageError
		if !errors.As(err, &me) {
			t.Errorf("seed %s: %v, want a *MessageError", name, err)
		} else if !strings.HasPrefix(err.Error(), "relay: ") {
			t.Errorf("seed %s: message %q lacks the relay: prefix", name, err)
		}
	}
}

func TestHelloRoundTrip(t *testing.T) {
	for _, np := range []string{"1", "9999", "7-guitar-kitten", strings.Repeat("a", MaxNameplateLen)} {
		for r := RoleHost; r <= RoleConnect; r++ {
			h, err := parseHello(hello{r, np}.marshal())
			if err != nil || h.role != r || h.nameplate != np {
				t.Errorf("hello %v %q came back as %+v, %v", r, np, h, err)
			}
		}
	}
	if _, err := parseHello(hello{RoleHost, strings.Repeat("a", MaxNameplateLen+1)}.marshal()); err == nil {
		t.Error("an overlong nameplate parsed")
	}
}

func TestWelcomeRoundTrip(t *testing.T) {
	w := welcome{maxMessage: 65536, idle: 90 * time.Second}
	got, err := parseWelcome(w.marshal())
	if err != nil || got != w {
		t.Fatalf("welcome %+v came back as %+v, %v", w, got, err)
	}
}

func TestFailReasonClipped(t *testing.T) {
	for _, reason := range []string{"", "wrong code", strings.Repeat("é", 300), "line\nbreak\x00", string([]byte{0xff, 0xfe})} {
		got, err := parseFail(failMessage(reason))
		if err != nil {
			t.Errorf("fail %q: %v", reason, err)
		}
		if len(got) > maxReasonLen || !utf8.ValidString(got) {
			t.Errorf("fail %q came back as %q", reason, got)
		}
	}
}

func FuzzParseHello(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseHello(b)
		if err != nil {
			return
		}
		if !bytes.Equal(h.marshal(), b) {
			t.Fatalf("hello %x parsed to %+v, which marshals to %x", b, h, h.marshal())
		}
	})
}

func FuzzParseWelcome(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := parseWelcome(b)
		if err != nil {
			return
		}
		if w.maxMessage < minMessageBytes || w.idle < time.Second {
			t.Fatalf("welcome %x parsed to out-of-range %+v", b, w)
		}
	})
}

func FuzzParseClientMessage(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, err := parseClientMessage(b)
		if err != nil {
			return
		}
		switch typ {
		case msgData, msgKeepalive:
		case msgFail:
			r, err := parseFail(b)
			if err != nil || !bytes.Equal(failMessage(r), b) {
				t.Fatalf("fail %x: reason %q, %v", b, r, err)
			}
		default:
			t.Fatalf("%x parsed as type %q", b, typ)
		}
	})
}

func FuzzParseRelayMessage(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, data, err := parseRelayMessage(b)
		if err != nil {
			return
		}
		if typ == msgData && !bytes.Equal(append([]byte{msgData}, data...), b) {
			t.Fatalf("data %x came back as %x", b, data)
		}
		if typ != msgData && typ != msgJoined {
			t.Fatalf("%x parsed as type %q", b, typ)
		}
	})
}
