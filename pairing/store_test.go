package pairing

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestIdentityFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if _, err := LoadIdentity(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LoadIdentity of nothing: %v", err)
	}
	a, err := LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, IdentityFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("identity file mode %v, want 0600", st.Mode().Perm())
	}
	b, err := LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a.Fingerprint() != b.Fingerprint() || !ValidFingerprint(a.Fingerprint()) {
		t.Fatalf("identity changed between loads: %s, %s", a.Fingerprint(), b.Fingerprint())
	}
	msg := []byte("hello")
	if !ed25519.Verify(b.Public, msg, a.Sign(msg)) {
		t.Error("reloaded identity does not verify the original's signature")
	}
}

func TestCorruptIdentityIsNotReplaced(t *testing.T) {
	dir := stateDir(t)
	os.Mkdir(dir, 0o700)
	path := filepath.Join(dir, IdentityFile)
	for _, junk := range []string{"", "garbage", "-----BEGIN WARBLE ED25519 PRIVATE KEY-----\nAAAA\n-----END WARBLE ED25519 PRIVATE KEY-----\n"} {
		os.WriteFile(path, []byte(junk), 0o600)
		if _, err := LoadOrCreateIdentity(dir); !errors.Is(err, ErrCorruptState) {
			t.Errorf("identity %q: %v, want ErrCorruptState", junk, err)
		}
		if b, _ := os.ReadFile(path); string(b) != junk {
			t.Errorf("corrupt identity file was rewritten")
		}
	}
}

func TestConcurrentIdentityCreation(t *testing.T) {
	dir := stateDir(t)
	var wg sync.WaitGroup
	fps := make([]string, 8)
	errs := make([]error, 8)
	for i := range fps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := LoadOrCreateIdentity(dir)
			errs[i] = err
			if err == nil {
				fps[i] = id.Fingerprint()
			}
		}()
	}
	wg.Wait()
	for i := range fps {
		if errs[i] != nil || fps[i] != fps[0] {
			t.Fatalf("creator %d: %s, %v; creator 0: %s", i, fps[i], errs[i], fps[0])
		}
	}
}

func peerFor(t *testing.T, b byte, name string) Peer {
	id := testIdentity(t, b)
	return Peer{Fingerprint: id.Fingerprint(), PublicKey: id.Public, Name: name, Transports: []string{TransportLAN}, Via: TransportLAN, PairedAt: time.Unix(int64(b)*1000, 0).UTC()}
}

func TestStorePeers(t *testing.T) {
	s, err := OpenStore(stateDir(t))
	if err != nil {
		t.Fatal(err)
	}
	if ps, err := s.Peers(); err != nil || len(ps) != 0 {
		t.Fatalf("empty store: %v, %v", ps, err)
	}
	p1, p2 := peerFor(t, 1, "tv"), peerFor(t, 2, "phone")
	for _, p := range []Peer{p2, p1, p1} {
		if err := s.AddPeer(p); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := s.Peers()
	if err != nil || len(ps) != 2 || ps[0].Name != "tv" || ps[1].Name != "phone" {
		t.Fatalf("peers: %+v, %v", ps, err)
	}
	st, _ := os.Stat(filepath.Join(s.Dir, PeersFile))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("peers file mode %v", st.Mode().Perm())
	}
	for _, key := range []string{p2.Fingerprint, p2.Fingerprint[:8], "phone"} {
		if p, err := s.Peer(key); err != nil || p.Fingerprint != p2.Fingerprint {
			t.Errorf("Peer(%q) = %v, %v", key, p.Name, err)
		}
	}
	if _, err := s.Peer(p2.Fingerprint[:5]); !errors.Is(err, ErrUnknownPeer) {
		t.Errorf("a 5-character prefix matched: %v", err)
	}
	if _, err := s.RemovePeer("nobody"); !errors.Is(err, ErrUnknownPeer) {
		t.Errorf("RemovePeer(nobody): %v", err)
	}
	if gone, err := s.RemovePeer(p1.Fingerprint); err != nil || gone.Name != "tv" {
		t.Fatalf("RemovePeer: %v, %v", gone, err)
	}
	if ps, _ := s.Peers(); len(ps) != 1 || ps[0].Name != "phone" {
		t.Errorf("after remove: %+v", ps)
	}
	bad := p1
	bad.Fingerprint = p2.Fingerprint
	if err := s.AddPeer(bad); err == nil {
		t.Error("a record whose key does not match its fingerprint was written")
	}
}

func TestStoreConcurrentWriters(t *testing.T) {
	dir := stateDir(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each writer its own Store, as separate processes would be.
			s, err := OpenStore(dir)
			if err == nil {
				err = s.AddPeer(peerFor(t, byte(i+1), fmt.Sprint("p", i)))
			}
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	s, _ := OpenStore(dir)
	ps, err := s.Peers()
	if err != nil || len(ps) != 16 {
		t.Fatalf("after 16 concurrent writers: %d peers, %v", len(ps), err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestCorruptPeersIsAnError(t *testing.T) {
	s, _ := OpenStore(stateDir(t))
	if err := s.AddPeer(peerFor(t, 1, "tv")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.Dir, PeersFile)
	good, _ := os.ReadFile(path)
	for name, junk := range map[string][]byte{
		"truncated":  good[:len(good)/2],
		"empty":      {},
		"not json":   []byte("hello"),
		"wrong key":  []byte(`{"version":1,"peers":[{"fingerprint":"00","public_key":"AAAA","name":"x","paired_at":"2026-01-01T00:00:00Z"}]}`),
		"version 2":  []byte(`{"version":2,"peers":[]}`),
		"two values": append(append([]byte{}, good...), good...),
	} {
		os.WriteFile(path, junk, 0o600)
		if _, err := s.Peers(); !errors.Is(err, ErrCorruptState) {
			t.Errorf("%s: Peers: %v, want ErrCorruptState", name, err)
		}
		if err := s.AddPeer(peerFor(t, 2, "phone")); !errors.Is(err, ErrCorruptState) {
			t.Errorf("%s: AddPeer: %v, want ErrCorruptState", name, err)
		}
		if b, _ := os.ReadFile(path); string(b) != string(junk) {
			t.Errorf("%s: corrupt peers file was rewritten", name)
		}
	}
}

func TestCrashLeftoversAreIgnored(t *testing.T) {
	s, _ := OpenStore(stateDir(t))
	if err := s.AddPeer(peerFor(t, 1, "tv")); err != nil {
		t.Fatal(err)
	}
	// A writer that died between creating its temporary file and the
	// rename leaves a partial file beside the real one.
	os.WriteFile(filepath.Join(s.Dir, ".peers.json.tmp12345"), []byte(`{"version":1,"pe`), 0o600)
	ps, err := s.Peers()
	if err != nil || len(ps) != 1 || ps[0].Name != "tv" {
		t.Fatalf("after a crashed writer: %v, %v", ps, err)
	}
	if err := s.AddPeer(peerFor(t, 2, "phone")); err != nil {
		t.Fatal(err)
	}
	if ps, _ := s.Peers(); len(ps) != 2 {
		t.Fatalf("after the next write: %d peers", len(ps))
	}
}
