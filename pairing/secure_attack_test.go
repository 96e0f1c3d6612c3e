package pairing

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// Close returns while a Write is blocked in a transport whose peer does not
// read, and the Write ends.
func TestCloseNotHeldByBlockedWrite(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	s, err := newSecureConn(a, bytes.Repeat([]byte{7}, 32), true)
	if err != nil {
		t.Fatal(err)
	}
	wrote := make(chan error, 1)
	go func() {
		_, err := s.Write(make([]byte, 3*MaxRecord)) // nobody reads b
		wrote <- err
	}()
	// Let the Write block (if Close came first, it would simply fail).
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if sc := s.(*secureConn); !sc.wmu.TryLock() {
			break
		} else {
			sc.wmu.Unlock()
		}
		time.Sleep(time.Millisecond)
	}
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("Close hangs behind a blocked Write")
	}
	select {
	case err := <-wrote:
		if err == nil {
			t.Fatal("the blocked Write succeeded after Close")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the blocked Write did not end after Close")
	}
}

// pairedResults runs a pairing over a pipe and returns both Results and
// the two ends.
func pairedResults(t *testing.T) (host, join *Result, h, j net.Conn) {
	t.Helper()
	code := mustCode(t, "7-guitar-kitten-maple")
	h, j = net.Pipe()
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		var err error
		host, err = Host(ctx, h, code, testIdentity(t, 1), Info{Name: "h"})
		done <- err
	}()
	join, err := Join(ctx, j, code, testIdentity(t, 2), Info{Name: "j"})
	if herr := <-done; err != nil || herr != nil {
		t.Fatalf("pairing: %v, %v", err, herr)
	}
	return host, join, h, j
}

// The direction keys come from the handshake roles: the two ends of a
// pairing seal under different keys, so the same plaintext at the same
// record number never makes the same ciphertext (no nonce reuse), and a
// Result secures one stream only.
func TestDirectionKeysFromRole(t *testing.T) {
	host, join, _, _ := pairedResults(t)
	var hw, jw bytes.Buffer
	hs, err := host.Secure(struct {
		io.Reader
		io.Writer
	}{nil, &hw})
	if err != nil {
		t.Fatal(err)
	}
	js, err := join.Secure(struct {
		io.Reader
		io.Writer
	}{nil, &jw})
	if err != nil {
		t.Fatal(err)
	}
	hs.Write([]byte("same words"))
	js.Write([]byte("same words"))
	if bytes.Equal(hw.Bytes(), jw.Bytes()) {
		t.Fatal("both ends sealed the same plaintext to the same record: one key and nonce for two directions")
	}
	if _, err := host.Secure(&bytes.Buffer{}); !errors.Is(err, errSecured) {
		t.Fatalf("a second stream on one session: %v, want refused", err)
	}
	// The joiner's record reads on the host's side, and not on its own.
	if got, err := io.ReadAll(io.LimitReader(mustSecure(t, &Result{session: &session{key: host.session.key}}, jw.Bytes()), 10)); err != nil || string(got) != "same words" {
		t.Fatalf("host reading the joiner's record: %q, %v", got, err)
	}
	if _, err := io.ReadAll(mustSecure(t, &Result{session: &session{key: join.session.key, initiator: true}}, jw.Bytes())); !errors.Is(err, ErrTampered) {
		t.Fatalf("joiner reading its own record: %v, want ErrTampered", err)
	}
}

func mustSecure(t *testing.T, r *Result, b []byte) io.Reader {
	t.Helper()
	s, err := r.Secure(readOnly(b))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Past the record limit both ends move to a new key: the stream goes on,
// records after the change are sealed under another key, and a record
// replayed across it fails.
func TestRekeyAfterRecordLimit(t *testing.T) {
	defer func(n uint64) { rekeyRecords = n }(rekeyRecords)
	rekeyRecords = 4
	key := bytes.Repeat([]byte{7}, 32)
	var w bytes.Buffer
	c, _ := newSecureConn(struct {
		io.Reader
		io.Writer
	}{nil, &w}, key, true)
	initial := c.(*secureConn).out.key
	for i := range 10 {
		c.Write([]byte{byte('a' + i)})
	}
	c.Close()
	recs := records(t, w.Bytes())
	r, _ := newSecureConn(readOnly(w.Bytes()), key, false)
	got, err := io.ReadAll(r)
	if err != nil || string(got) != "abcdefghij" {
		t.Fatalf("across two key changes: %q, %v", got, err)
	}
	if bytes.Equal(c.(*secureConn).out.key, initial) {
		t.Fatal("the sending key never changed")
	}
	// Replaying record 0 in place of record 4 fails.
	spliced := bytes.Join(append(append(append([][]byte{}, recs[:4]...), recs[0]), recs[5:]...), nil)
	r, _ = newSecureConn(readOnly(spliced), key, false)
	if _, err := io.ReadAll(r); !errors.Is(err, ErrTampered) {
		t.Fatalf("record from the first key replayed under the second: %v, want ErrTampered", err)
	}
}

// The reconnection exchange never shows an identity in clear: neither
// long-term public key appears in the bytes on the stream.
func TestReconnectHidesIdentities(t *testing.T) {
	i1, i2 := testIdentity(t, 1), testIdentity(t, 2)
	m := newMITM(passThrough)
	if _, _, ea, eb := reconnect(t, m.join, m.host, i1, i2, pinned(i2.Public), pinned(i1.Public)); ea != nil || eb != nil {
		t.Fatal(ea, eb)
	}
	var wire []byte
	for _, f := range m.seen {
		wire = append(wire, f.p...)
	}
	for _, id := range []*Identity{i1, i2} {
		if bytes.Contains(wire, id.Public) || bytes.Contains(wire, []byte(id.Fingerprint())) {
			t.Fatalf("identity %s travels in clear", id.Fingerprint()[:16])
		}
	}
}

// The rendezvous name changes every period and does not depend on which
// side computes it; a caller's names cover the neighbouring period.
func TestRendezvousRotates(t *testing.T) {
	a, b := testIdentity(t, 1).Fingerprint(), testIdentity(t, 2).Fingerprint()
	t0 := time.Unix(1_800_000_000, 0).Truncate(RendezvousPeriod)
	if RendezvousName(a, b, t0) != RendezvousName(b, a, t0) {
		t.Fatal("the name depends on the order")
	}
	if RendezvousName(a, b, t0) != RendezvousName(a, b, t0.Add(RendezvousPeriod-time.Second)) {
		t.Fatal("the name changed within a period")
	}
	if RendezvousName(a, b, t0) == RendezvousName(a, b, t0.Add(RendezvousPeriod)) {
		t.Fatal("the name did not change with the period")
	}
	if !RendezvousEnds(t0.Add(time.Minute)).Equal(t0.Add(RendezvousPeriod)) {
		t.Fatal("RendezvousEnds is not the end of the period")
	}
	// A caller whose clock is a little behind still tries the acceptor's
	// name, and the other way round.
	acc := RendezvousName(a, b, t0.Add(time.Minute))
	if n := RendezvousNames(a, b, t0.Add(-time.Minute)); n[1] != acc {
		t.Fatalf("a caller a little behind tries %v, not %s", n, acc)
	}
	acc = RendezvousName(a, b, t0.Add(-time.Minute))
	if n := RendezvousNames(a, b, t0.Add(time.Minute)); n[1] != acc {
		t.Fatalf("a caller a little ahead tries %v, not %s", n, acc)
	}
}

// The protocol version is part of the channel identifier (so of the CPace
// generator) and of the session id's inputs: two sides that disagree on it
// cannot agree on keys, even if a version check were skipped.
func TestVersionBound(t *testing.T) {
	code := mustCode(t, "7-guitar-kitten-maple")
	if bytes.Equal(cpaceCI(1, code), cpaceCI(2, code)) {
		t.Fatal("the channel identifier ignores the version")
	}
	// The session id has the host's half first: the joiner alone cannot
	// choose it.
	h, j := bytes.Repeat([]byte{1}, sidLen), bytes.Repeat([]byte{2}, sidLen)
	if sid := cpaceSID(h, j); !bytes.Equal(sid[:sidLen], h) || !bytes.Equal(sid[sidLen:], j) {
		t.Fatalf("sid %x", sid)
	}
	// A hello of another version is refused by name.
	var b bytes.Buffer
	writeFrame(&b, msgHello, hostHello{version: ProtocolVersion + 1, nonce: h}.marshal())
	_, err := Join(context.Background(), struct {
		io.Reader
		io.Writer
	}{&b, io.Discard}, code, testIdentity(t, 2), Info{Name: "j"})
	var ve *versionError
	if !errors.As(err, &ve) {
		t.Fatalf("hello of version %d: %v, want a version error", ProtocolVersion+1, err)
	}
}
