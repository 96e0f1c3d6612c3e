package pairing

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

// recorder keeps what is written, record by record.
type recorder struct {
	bytes.Buffer
}

// readOnly is a stream to read from whose writes go nowhere.
func readOnly(b []byte) io.ReadWriter {
	return struct {
		io.Reader
		io.Writer
	}{bytes.NewReader(b), io.Discard}
}

func records(t *testing.T, b []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(b) > 0 {
		n := int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])
		out = append(out, b[:4+n])
		b = b[4+n:]
	}
	return out
}

func TestSecureConnRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	a, b := net.Pipe()
	ca, err := newSecureConn(a, key, true)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := newSecureConn(b, key, false)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	msg := make([]byte, 3*MaxRecord+17)
	for i := range msg {
		msg[i] = byte(rng.Uint32())
	}
	var wg sync.WaitGroup
	wg.Add(2)
	var gotB, gotA []byte
	var errB, errA error
	go func() {
		defer wg.Done()
		ca.Write(msg)
		ca.Write([]byte("bye"))
		gotA, errA = io.ReadAll(io.LimitReader(ca, 5))
		ca.Close()
	}()
	go func() {
		defer wg.Done()
		gotB, errB = io.ReadAll(io.LimitReader(cb, int64(len(msg)+3)))
		cb.Write([]byte("hello"))
		rest, err := io.ReadAll(cb)
		if err != nil && !errors.Is(err, io.ErrClosedPipe) || len(rest) != 0 {
			t.Errorf("after close: %q, %v", rest, err)
		}
		cb.Close()
	}()
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if !bytes.Equal(gotB, append(msg, "bye"...)) || string(gotA) != "hello" {
		t.Fatalf("round trip: %d bytes and %q", len(gotB), gotA)
	}
}

func TestSecureConnRejectsTampering(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	var w recorder
	c, _ := newSecureConn(&w, key, true)
	c.Write([]byte("one"))
	c.Write([]byte("two"))
	c.Write([]byte("three"))
	c.Close()
	recs := records(t, w.Bytes())
	if len(recs) != 4 {
		t.Fatalf("%d records", len(recs))
	}
	read := func(stream []byte) (string, error) {
		r, _ := newSecureConn(readOnly(stream), key, false)
		b, err := io.ReadAll(r)
		return string(b), err
	}
	if got, err := read(w.Bytes()); got != "onetwothree" || err != nil {
		t.Fatalf("genuine stream: %q, %v", got, err)
	}
	cat := func(rs ...[]byte) []byte { return bytes.Join(rs, nil) }
	flipped := bytes.Clone(recs[1])
	flipped[6] ^= 1
	longer := bytes.Clone(recs[1])
	longer[3]++
	cases := map[string]struct {
		stream []byte
		want   error
	}{
		"replayed":    {cat(recs[0], recs[0], recs[1], recs[2], recs[3]), ErrTampered},
		"reordered":   {cat(recs[1], recs[0], recs[2], recs[3]), ErrTampered},
		"dropped":     {cat(recs[0], recs[2], recs[3]), ErrTampered},
		"flipped":     {cat(recs[0], flipped, recs[2], recs[3]), ErrTampered},
		"length":      {cat(recs[0], longer, recs[2], recs[3]), ErrTampered},
		"no close":    {cat(recs[0], recs[1], recs[2]), ErrTruncated},
		"cut":         {cat(recs[0], recs[1][:10]), ErrTruncated},
		"oversized":   {[]byte{0x7f, 0xff, 0xff, 0xff}, ErrTampered},
		"wrong side":  {nil, ErrTampered},
		"wrong key":   {nil, ErrTampered},
		"empty close": {cat(recs[0], recs[1], recs[2], recs[3][:4]), ErrTruncated},
	}
	for name, c := range cases {
		var err error
		switch name {
		case "wrong side":
			r, _ := newSecureConn(readOnly(w.Bytes()), key, true)
			_, err = io.ReadAll(r)
		case "wrong key":
			r, _ := newSecureConn(readOnly(w.Bytes()), bytes.Repeat([]byte{8}, 32), false)
			_, err = io.ReadAll(r)
		default:
			_, err = read(c.stream)
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if _, err := newSecureConn(&w, key[:16], true); err == nil {
		t.Error("a 16-byte key was accepted")
	}
}

func TestSecureConnAfterPairing(t *testing.T) {
	code := mustCode(t, "7-guitar-kitten-maple")
	h, j := net.Pipe()
	ctx := context.Background()
	var hr *Result
	var herr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		hr, herr = Host(ctx, h, code, testIdentity(t, 1), Info{Name: "h"})
		if herr != nil {
			return
		}
		s, _ := hr.Secure(h)
		io.Copy(s, io.LimitReader(s, 5))
		s.Close()
	}()
	jr, err := Join(ctx, j, code, testIdentity(t, 2), Info{Name: "j"})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := jr.Secure(j)
	s.Write([]byte("hello"))
	got, err := io.ReadAll(s)
	<-done
	if herr != nil || err != nil || string(got) != "hello" {
		t.Fatalf("echo over the paired stream: %q, %v, host %v", got, err, herr)
	}
}

func pinned(keys ...ed25519.PublicKey) func(ed25519.PublicKey) bool {
	return func(k ed25519.PublicKey) bool {
		for _, p := range keys {
			if p.Equal(k) {
				return true
			}
		}
		return false
	}
}

func reconnect(t *testing.T, a, b io.ReadWriter, ia, ib *Identity, allowA, allowB func(ed25519.PublicKey) bool) (ra, rb *Reconnected, ea, eb error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		ra, ea = Reconnect(ctx, a, ia, true, allowA)
		if c, ok := a.(io.Closer); ok && ea != nil {
			c.Close()
		}
	}()
	go func() {
		defer wg.Done()
		rb, eb = Reconnect(ctx, b, ib, false, allowB)
		if c, ok := b.(io.Closer); ok && eb != nil {
			c.Close()
		}
	}()
	wg.Wait()
	return
}

func TestReconnect(t *testing.T) {
	i1, i2, i3 := testIdentity(t, 1), testIdentity(t, 2), testIdentity(t, 3)
	a, b := net.Pipe()
	ra, rb, ea, eb := reconnect(t, a, b, i1, i2, pinned(i2.Public), pinned(i1.Public, i3.Public))
	if ea != nil || eb != nil {
		t.Fatal(ea, eb)
	}
	if ra.Fingerprint != i2.Fingerprint() || rb.Fingerprint != i1.Fingerprint() || !bytes.Equal(ra.session.key, rb.session.key) {
		t.Fatalf("reconnect: %s, %s, keys equal %v", ra.Fingerprint, rb.Fingerprint, bytes.Equal(ra.session.key, rb.session.key))
	}

	// An unpaired initiator is refused by the responder, and the reverse.
	a, b = net.Pipe()
	ra, _, ea, eb = reconnect(t, a, b, i3, i2, pinned(i2.Public), pinned(i1.Public))
	if !errors.Is(eb, ErrNotPaired) || !errors.Is(ea, ErrNotPaired) || ra != nil {
		t.Errorf("unpaired initiator: %v; responder %v", ea, eb)
	}
	a, b = net.Pipe()
	_, _, ea, eb = reconnect(t, a, b, i1, i3, pinned(i2.Public), pinned(i1.Public))
	if !errors.Is(ea, ErrNotPaired) || eb == nil {
		t.Errorf("unpaired responder: %v; responder %v", ea, eb)
	}
}

func TestReconnectTampered(t *testing.T) {
	i1, i2 := testIdentity(t, 1), testIdentity(t, 2)
	for _, typ := range []msgType{msgReconA, msgReconB, msgReconC, msgReconD} {
		for _, at := range []int{1, 10, -1} {
			m := newMITM(func(m *mitm, f frame) []frame {
				if f.t == typ {
					p := bytes.Clone(f.p)
					i := at
					if i < 0 {
						i = len(p) - 1
					}
					p[i] ^= 0x10
					f.p = p
				}
				return []frame{f}
			})
			ra, rb, ea, eb := reconnect(t, m.join, m.host, i1, i2, pinned(i2.Public), pinned(i1.Public))
			if typ == msgReconD {
				// The last message: the responder is done before it.
				if ea == nil || ra != nil {
					t.Errorf("tampered %s at %d: initiator succeeded", typ, at)
				}
				continue
			}
			if ea == nil || eb == nil || ra != nil || rb != nil {
				t.Errorf("tampered %s at %d: %v, %v", typ, at, ea, eb)
			}
		}
	}
}

func TestNegotiate(t *testing.T) {
	cases := []struct {
		take, give []string
		want       string
	}{
		{[]string{ChallengeCode, ChallengeAudio}, []string{ChallengeAudio, ChallengeCode}, ChallengeAudio},
		{[]string{ChallengeCode}, []string{ChallengeAudio, ChallengeCode}, ChallengeCode},
		{[]string{ChallengeQR, ChallengeFlash}, []string{ChallengeAudio, ChallengeCode}, ""},
	}
	for _, c := range cases {
		a, b := net.Pipe()
		var got, chose Negotiation
		var errJ, errH error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); got, errJ = Offer(context.Background(), a, c.take); a.Close() }()
		go func() { defer wg.Done(); chose, errH = Choose(context.Background(), b, c.give); b.Close() }()
		wg.Wait()
		if c.want == "" {
			if !errors.Is(errJ, ErrNoChallenge) || !errors.Is(errH, ErrNoChallenge) {
				t.Errorf("%v / %v: %v, %v; want ErrNoChallenge", c.take, c.give, errJ, errH)
			}
			continue
		}
		if errJ != nil || errH != nil || got.Chosen != c.want || chose.Chosen != c.want || !slices.Equal(got.Offered, c.take) || !slices.Equal(chose.Offered, c.take) {
			t.Errorf("%v / %v: joiner %q %v, host %q %v; want %q", c.take, c.give, got, errJ, chose, errH, c.want)
		}
	}
}

func TestNegotiateThenPair(t *testing.T) {
	a, b := net.Pipe()
	code := mustCode(t, "31-tiger-toast-tulip")
	ctx := context.Background()
	var hr *Result
	var herr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		n, err := Choose(ctx, b, []string{ChallengeCode})
		if herr = err; err != nil {
			return
		}
		hr, herr = HostNegotiated(ctx, b, n, code, testIdentity(t, 1), Info{Name: "h"})
	}()
	n, err := Offer(ctx, a, []string{ChallengeAudio, ChallengeCode})
	if err != nil || n.Chosen != ChallengeCode {
		t.Fatal(n, err)
	}
	jr, err := JoinNegotiated(ctx, a, n, code, testIdentity(t, 2), Info{Name: "j"})
	<-done
	if err != nil || herr != nil || jr.Fingerprint != testIdentity(t, 1).Fingerprint() || hr.Fingerprint != testIdentity(t, 2).Fingerprint() {
		t.Fatalf("pair after negotiation: %v, %v", err, herr)
	}
}

func TestSecureConnCloseWrite(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	a, b := net.Pipe()
	ca, _ := newSecureConn(a, key, true)
	cb, _ := newSecureConn(b, key, false)
	go func() {
		ca.Write([]byte("ping"))
		ca.(interface{ CloseWrite() error }).CloseWrite()
	}()
	got, err := io.ReadAll(cb)
	if err != nil || string(got) != "ping" {
		t.Fatalf("before CloseWrite: %q, %v", got, err)
	}
	// The other direction still works.
	go func() { cb.Write([]byte("pong")); cb.Close() }()
	got, err = io.ReadAll(ca)
	if err != nil || string(got) != "pong" {
		t.Fatalf("after CloseWrite: %q, %v", got, err)
	}
	if _, err := ca.Write([]byte("x")); err == nil {
		t.Error("write after CloseWrite succeeded")
	}
}
