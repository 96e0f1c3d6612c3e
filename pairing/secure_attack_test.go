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
