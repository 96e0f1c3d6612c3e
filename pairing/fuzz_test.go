package pairing

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/handshake seeds from a fresh handshake")

// TestUpdateSeeds rewrites testdata/handshake/*.bin, one file per message
// type seen in a genuine pairing and reconnection, with -update.
func TestUpdateSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite the seeds")
	}
	dir := filepath.Join("testdata", "handshake")
	os.MkdirAll(dir, 0o755)
	m := newMITM(func(m *mitm, f frame) []frame { return []frame{f} })
	if h, j := m.pair(t); h.err != nil || j.err != nil {
		t.Fatal(h.err, j.err)
	}
	i1, i2 := testIdentity(t, 1), testIdentity(t, 2)
	r := newMITM(func(m *mitm, f frame) []frame { return []frame{f} })
	if _, _, ea, eb := reconnect(t, r.join, r.host, i1, i2, pinned(i2.Public), pinned(i1.Public)); ea != nil || eb != nil {
		t.Fatal(ea, eb)
	}
	frames := append(m.seen, r.seen...)
	frames = append(frames,
		frame{t: msgOffer, p: marshalOffer([]string{ChallengeCode, ChallengeAudio, ChallengeQR, ChallengeFlash})},
		frame{t: msgChallenge, p: prependLen(nil, []byte(ChallengeAudio))},
		frame{t: msgAbort, p: marshalAbort(AbortWrongCode, "the codes differ")},
	)
	for _, f := range frames {
		var b bytes.Buffer
		writeFrame(&b, f.t, f.p)
		if err := os.WriteFile(filepath.Join(dir, f.t.String()+".bin"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// seeds adds every testdata/handshake frame to f, whole, and fails if
// there are none.
func seeds(f *testing.F) [][]byte {
	paths, err := filepath.Glob(filepath.Join("testdata", "handshake", "*.bin"))
	if err != nil || len(paths) < 13 {
		f.Fatalf("testdata/handshake has %d seeds (%v); run go test -run TestUpdateSeeds -update", len(paths), err)
	}
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
		f.Add(b)
	}
	return out
}

// FuzzMessages feeds a frame to every message parser: none may panic, and
// whatever parses must marshal back to the same bytes where the format is
// canonical.
func FuzzMessages(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, p, err := readFrame(bytes.NewReader(b))
		if err != nil {
			return
		}
		switch typ {
		case msgCPaceA:
			if m, err := parseCPaceA(p); err == nil && !bytes.Equal(m.marshal(), p) {
				t.Errorf("cpace-a does not round-trip")
			}
		case msgCPaceB:
			if m, err := parseCPaceB(p); err == nil && !bytes.Equal(m.marshal(), p) {
				t.Errorf("cpace-b does not round-trip")
			}
		case msgConfirmA:
			parseConfirmA(p)
		case msgOffer:
			if k, err := parseOffer(p); err == nil && !bytes.Equal(marshalOffer(k), p) {
				t.Errorf("offer does not round-trip")
			}
		case msgChallenge:
			parseChallenge(p)
		case msgAbort:
			if err := parseAbort(p); err == nil {
				t.Errorf("parseAbort returned nil")
			}
		case msgHello:
			if m, err := parseHostHello(p); err == nil && !bytes.Equal(m.marshal(), p) {
				t.Errorf("hello does not round-trip")
			}
		case msgReconB, msgReconC:
			parseReconIdentity(typ, p)
		}
		// Every parser sees every payload too.
		parseCPaceA(p)
		parseCPaceB(p)
		parseConfirmA(p)
		parseOffer(p)
		parseChallenge(p)
		parseAbort(p)
		parseHostHello(p)
		parseReconIdentity(msgReconC, p)
		if c, err := parseCapabilities(msgCPaceB, p); err == nil && !bytes.Equal(c.marshal(), p) {
			t.Errorf("capabilities do not round-trip")
		}
	})
}

// FuzzHost and FuzzJoin run a whole side of the handshake against bytes
// from the fuzzer: it must fail cleanly (never pair, never panic).
func FuzzHost(f *testing.F) {
	all := seeds(f)
	f.Add(bytes.Join(all, nil))
	code := Code{nameplate: "7", secret: "guitar-kitten-maple"}
	id := testIdentity(f, 1)
	f.Fuzz(func(t *testing.T, b []byte) {
		rw := struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(b), io.Discard}
		if res, err := Host(context.Background(), rw, code, id, Info{Name: "h"}); err == nil || res != nil {
			t.Fatalf("host paired with fuzz input")
		}
	})
}

func FuzzJoin(f *testing.F) {
	all := seeds(f)
	f.Add(bytes.Join(all, nil))
	code := Code{nameplate: "7", secret: "guitar-kitten-maple"}
	id := testIdentity(f, 2)
	f.Fuzz(func(t *testing.T, b []byte) {
		rw := struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(b), io.Discard}
		if res, err := Join(context.Background(), rw, code, id, Info{Name: "j"}); err == nil || res != nil {
			t.Fatalf("joiner paired with fuzz input")
		}
	})
}

func FuzzReconnect(f *testing.F) {
	all := seeds(f)
	f.Add(bytes.Join(all, nil))
	id := testIdentity(f, 2)
	anyKey := func(ed25519.PublicKey) bool { return true }
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, initiator := range []bool{true, false} {
			rw := struct {
				io.Reader
				io.Writer
			}{bytes.NewReader(b), io.Discard}
			if res, err := Reconnect(context.Background(), rw, id, initiator, anyKey); err == nil || res != nil {
				t.Fatalf("reconnect (initiator %v) succeeded with fuzz input", initiator)
			}
		}
	})
}

// FuzzSecureConn: only the genuine records read cleanly; bytes after the
// close record are never read.
func FuzzSecureConn(f *testing.F) {
	key := bytes.Repeat([]byte{7}, 32)
	var w bytes.Buffer
	c, _ := newSecureConn(struct {
		io.Reader
		io.Writer
	}{nil, &w}, key, true)
	c.Write([]byte("hello"))
	c.Close()
	f.Add(w.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, _ := newSecureConn(readOnly(b), key, false)
		got, err := io.ReadAll(r)
		if err == nil && !bytes.HasPrefix(b, w.Bytes()) {
			t.Fatalf("a forged stream read cleanly: %q", got)
		}
	})
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"7-guitar-kitten-maple", " 12 a b ", "0-x", "9999-mfrggzdfmztwq2lknnwg23tpob", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCode(s)
		if err != nil {
			return
		}
		again, err := ParseCode(c.String())
		if err != nil || again != c || !codeForm.MatchString(c.String()) {
			t.Fatalf("ParseCode(%q) = %q, which reparses as %q, %v", s, c, again, err)
		}
		c.Typo()
		c.Audio()
	})
}

func FuzzPeersFile(f *testing.F) {
	f.Add([]byte(`{"version":1,"peers":[]}`))
	f.Add([]byte(`{"version":1,"peers":[{"fingerprint":"x","public_key":"AAAA","name":"n","paired_at":"2026-01-01T00:00:00Z"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := parsePeers(b, "peers.json")
		if err != nil {
			return
		}
		for _, p := range doc.Peers {
			if Fingerprint(p.PublicKey) != p.Fingerprint {
				t.Fatal("a peer whose key does not match its fingerprint was accepted")
			}
		}
	})
}
