package pairing

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

func testIdentity(t testing.TB, b byte) *Identity {
	t.Helper()
	id, err := IdentityFromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustCode(t testing.TB, s string) Code {
	t.Helper()
	c, err := ParseCode(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type outcome struct {
	res *Result
	err error
}

// pairOver runs Host on h and Join on j at once and returns both outcomes.
func pairOver(t testing.TB, h, j io.ReadWriter, hostCode, joinCode Code) (host, join outcome) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		host.res, host.err = Host(ctx, h, hostCode, testIdentity(t, 1), Info{Name: "host box", Kind: "tv", Transports: []string{TransportLAN}})
		if c, ok := h.(io.Closer); ok {
			c.Close()
		}
	}()
	go func() {
		defer wg.Done()
		join.res, join.err = Join(ctx, j, joinCode, testIdentity(t, 2), Info{Name: "phone", Kind: "cli", Transports: []string{TransportLAN, TransportRelay}})
		if c, ok := j.(io.Closer); ok {
			c.Close()
		}
	}()
	wg.Wait()
	return host, join
}

func TestPairing(t *testing.T) {
	code := mustCode(t, "7-guitar-kitten-maple")
	h, j := net.Pipe()
	host, join := pairOver(t, h, j, code, code)
	if host.err != nil || join.err != nil {
		t.Fatalf("host: %v; join: %v", host.err, join.err)
	}
	if host.res.Fingerprint != testIdentity(t, 2).Fingerprint() || join.res.Fingerprint != testIdentity(t, 1).Fingerprint() {
		t.Errorf("fingerprints: host saw %s, joiner saw %s", host.res.Fingerprint, join.res.Fingerprint)
	}
	if !bytes.Equal(host.res.session.key, join.res.session.key) || len(host.res.session.key) != 32 {
		t.Errorf("session keys differ or are not 32 bytes")
	}
	if host.res.Peer.Name != "phone" || host.res.Peer.Kind != "cli" || len(host.res.Peer.Transports) != 2 || host.res.Peer.Version != ProtocolVersion {
		t.Errorf("host saw %+v", host.res.Peer)
	}
	if join.res.Peer.Name != "host box" || join.res.Peer.Transports[0] != TransportLAN {
		t.Errorf("joiner saw %+v", join.res.Peer)
	}
	if !join.res.session.initiator || host.res.session.initiator {
		t.Errorf("initiator flags: host %v, joiner %v", host.res.session.initiator, join.res.session.initiator)
	}
}

func TestPairingForgivesTyping(t *testing.T) {
	h, j := net.Pipe()
	host, join := pairOver(t, h, j, mustCode(t, "7-guitar-kitten-maple"), mustCode(t, "  7 Guitar_KITTEN maple\n"))
	if host.err != nil || join.err != nil {
		t.Fatalf("host: %v; join: %v", host.err, join.err)
	}
}

func TestWrongCode(t *testing.T) {
	for _, wrong := range []string{"7-guitar-kitten-mapel", "7-guitar-kitten-melon", "8-guitar-kitten-maple", "7-guitar-kitten"} {
		h, j := net.Pipe()
		host, join := pairOver(t, h, j, mustCode(t, "7-guitar-kitten-maple"), mustCode(t, wrong))
		if !errors.Is(host.err, ErrWrongCode) || !errors.Is(join.err, ErrWrongCode) {
			t.Errorf("code %s: host %v, joiner %v; want both ErrWrongCode", wrong, host.err, join.err)
		}
		if host.res != nil || join.res != nil {
			t.Errorf("code %s: a result despite the failure", wrong)
		}
	}
}

// frame is one message seen by the man in the middle.
type frame struct {
	fromHost bool
	t        msgType
	p        []byte
}

// mitm joins host and joiner through a goroutine that passes each frame
// to edit, which returns the frames to send on instead (to either side).
type mitm struct {
	host, join net.Conn // the ends Host and Join use
	seen       []frame
	mu         sync.Mutex
}

func newMITM(edit func(m *mitm, f frame) []frame) *mitm {
	h, hm := net.Pipe()
	j, jm := net.Pipe()
	m := &mitm{host: h, join: j}
	pump := func(from net.Conn, fromHost bool) {
		for {
			t, p, err := readFrame(from)
			if err != nil {
				hm.Close()
				jm.Close()
				return
			}
			f := frame{fromHost: fromHost, t: t, p: p}
			m.mu.Lock()
			m.seen = append(m.seen, f)
			m.mu.Unlock()
			for _, o := range edit(m, f) {
				to := jm
				if !o.fromHost {
					to = hm
				}
				if writeFrame(to, o.t, o.p) != nil {
					hm.Close()
					jm.Close()
					return
				}
			}
		}
	}
	go pump(hm, true)
	go pump(jm, false)
	return m
}

func (m *mitm) pair(t *testing.T) (host, join outcome) {
	code := mustCode(t, "7-guitar-kitten-maple")
	return pairOver(t, m.host, m.join, code, code)
}

func bothFail(t *testing.T, name string, host, join outcome) {
	t.Helper()
	if host.err == nil || join.err == nil || host.res != nil || join.res != nil {
		t.Errorf("%s: host (%v, %v), joiner (%v, %v); want both to fail with no result", name, host.res != nil, host.err, join.res != nil, join.err)
	}
}

func TestTamperedMessages(t *testing.T) {
	for _, typ := range []msgType{msgCPaceA, msgCPaceB, msgConfirmA, msgDone, msgAck} {
		for _, where := range []string{"first", "middle", "last"} {
			m := newMITM(func(m *mitm, f frame) []frame {
				if f.t == typ {
					p := bytes.Clone(f.p)
					i := map[string]int{"first": 0, "middle": len(p) / 2, "last": len(p) - 1}[where]
					p[i] ^= 0x40
					f.p = p
				}
				return []frame{f}
			})
			host, join := m.pair(t)
			if typ == msgAck {
				// The joiner finished before the host saw its last message.
				if host.err == nil || host.res != nil {
					t.Errorf("tampered ack: host (%v, %v); want failure", host.res != nil, host.err)
				}
				continue
			}
			bothFail(t, "tampered "+typ.String()+" at "+where, host, join)
			var ae *AbortError
			if typ == msgCPaceA && where == "first" && !(errors.As(join.err, &ae) && ae.Reason == AbortVersion) {
				t.Errorf("wrong version: joiner got %v", join.err)
			}
		}
	}
}

func TestTruncatedMessages(t *testing.T) {
	for _, typ := range []msgType{msgCPaceA, msgCPaceB, msgConfirmA, msgDone, msgAck} {
		m := newMITM(func(m *mitm, f frame) []frame {
			if f.t == typ {
				f.p = f.p[:len(f.p)-1]
			}
			return []frame{f}
		})
		host, join := m.pair(t)
		if typ == msgAck {
			if host.err == nil {
				t.Errorf("truncated ack: host succeeded")
			}
			continue
		}
		bothFail(t, "truncated "+typ.String(), host, join)
	}
}

func TestDroppedMidHandshake(t *testing.T) {
	for _, typ := range []msgType{msgCPaceA, msgCPaceB, msgConfirmA, msgDone} {
		m := newMITM(func(m *mitm, f frame) []frame {
			if f.t == typ {
				m.host.Close()
				m.join.Close()
				return nil
			}
			return []frame{f}
		})
		host, join := m.pair(t)
		bothFail(t, "dropped at "+typ.String(), host, join)
	}
}

func TestReorderedAndReplayedMessages(t *testing.T) {
	// An old run's messages, to replay into a new one, by type.
	m := newMITM(func(m *mitm, f frame) []frame { return []frame{f} })
	if h, j := m.pair(t); h.err != nil || j.err != nil {
		t.Fatal(h.err, j.err)
	}
	byType := map[msgType]frame{}
	for _, f := range m.seen {
		byType[f.t] = f
	}
	old := []frame{byType[msgCPaceA], byType[msgCPaceB], byType[msgConfirmA], byType[msgDone], byType[msgAck]}

	cases := map[string]func(m *mitm, f frame) []frame{
		"old hello replayed": func(m *mitm, f frame) []frame {
			if f.t == msgHello {
				return []frame{byType[msgHello]}
			}
			return []frame{f}
		},
		"hello's session id rewritten": func(m *mitm, f frame) []frame {
			if f.t == msgHello {
				p := slices.Clone(f.p)
				p[len(p)-1] ^= 1
				f.p = p
			}
			return []frame{f}
		},
		"cpace-a twice": func(m *mitm, f frame) []frame {
			if f.t == msgCPaceA {
				return []frame{f, f}
			}
			return []frame{f}
		},
		"cpace-b twice": func(m *mitm, f frame) []frame {
			if f.t == msgCPaceB {
				return []frame{f, f}
			}
			return []frame{f}
		},
		"old cpace-a replayed": func(m *mitm, f frame) []frame {
			if f.t == msgCPaceA {
				return []frame{old[0]}
			}
			return []frame{f}
		},
		"old cpace-b replayed": func(m *mitm, f frame) []frame {
			if f.t == msgCPaceB {
				return []frame{old[1]}
			}
			return []frame{f}
		},
		"old confirm-a replayed": func(m *mitm, f frame) []frame {
			if f.t == msgConfirmA {
				return []frame{old[2]}
			}
			return []frame{f}
		},
		"confirm-a before cpace-b": func(m *mitm, f frame) []frame {
			if f.t == msgCPaceA {
				return []frame{f, {fromHost: false, t: msgConfirmA, p: old[2].p}}
			}
			return []frame{f}
		},
		"sides swapped": func(m *mitm, f frame) []frame {
			// Reflect each side's messages back to itself.
			f.fromHost = !f.fromHost
			return []frame{f}
		},
		"old ack replayed": func(m *mitm, f frame) []frame {
			if f.t == msgAck {
				return []frame{old[4]}
			}
			return []frame{f}
		},
		"done sent early": func(m *mitm, f frame) []frame {
			if f.t == msgCPaceB {
				return []frame{{fromHost: true, t: msgDone, p: old[3].p}, f}
			}
			return []frame{f}
		},
	}
	for name, edit := range cases {
		host, join := newMITM(edit).pair(t)
		if name == "old ack replayed" {
			// The ack is the last message: the joiner is done before it.
			if host.err == nil || host.res != nil {
				t.Errorf("%s: host succeeded", name)
			}
			continue
		}
		bothFail(t, name, host, join)
	}
}

func TestOversizedFrame(t *testing.T) {
	h, j := net.Pipe()
	errc := make(chan error, 1)
	go func() {
		_, err := Host(context.Background(), h, mustCode(t, "7-guitar-kitten-maple"), testIdentity(t, 1), Info{Name: "h"})
		h.Close()
		errc <- err
	}()
	// A header that announces more than MaxFrame; the host must refuse it
	// without waiting for the payload.
	copied := make(chan struct{})
	go func() { io.Copy(io.Discard, j); close(copied) }() // the hello, the abort
	j.Write([]byte{byte(msgCPaceA), 0xff, 0xff})
	<-copied
	err := <-errc
	var pe *ProtocolError
	if !errors.As(err, &pe) || !errors.Is(err, ErrProtocol) {
		t.Fatalf("oversized frame: %v, want a protocol error", err)
	}
}

func TestTimeout(t *testing.T) {
	h, j := net.Pipe()
	defer j.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Host(ctx, h, mustCode(t, "7-guitar-kitten-maple"), testIdentity(t, 1), Info{Name: "h"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("host with nobody joining: %v, want a deadline error", err)
	}
}

func TestSelfSignedCapabilitiesRejectForgery(t *testing.T) {
	// A joiner that knows the code but signs with a key it does not hold:
	// swap the identity key in the sealed capabilities for another. The
	// seal covers it, so flip inside the plaintext by re-sealing with the
	// real keys is impossible for a man in the middle; check instead that
	// a valid signature by one key does not verify for another.
	id1, id2 := testIdentity(t, 1), testIdentity(t, 2)
	tr := bytes.Repeat([]byte{9}, 64)
	caps := makeCaps(id1, Info{Name: "x", Version: 1}, roleHost, tr)
	c, err := parseCapabilities(msgCPaceB, caps)
	if err != nil {
		t.Fatal(err)
	}
	c.pub = id2.Public
	if _, err := checkCaps(msgCPaceB, c.marshal(), roleHost, tr); err == nil {
		t.Error("capabilities with a swapped key verified")
	}
	if _, err := checkCaps(msgCPaceB, caps, roleJoiner, tr); err == nil {
		t.Error("capabilities verified for the other role")
	}
	if _, err := checkCaps(msgCPaceB, caps, roleHost, tr); err != nil {
		t.Errorf("genuine capabilities: %v", err)
	}
	_ = ed25519.PublicKeySize
}
