package pairing

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// ErrCorruptState is matched by the error for a state file that exists but
// cannot be read as what it should be. Such a file is never replaced.
var ErrCorruptState = errors.New("corrupt state file")

// ErrUnknownPeer is matched when no paired peer has a fingerprint.
var ErrUnknownPeer = errors.New("no such paired peer")

// PeersFile is the name of the paired-peer list in a state directory.
const PeersFile = "peers.json"

// Peer is one remembered pairing.
type Peer struct {
	Fingerprint string            `json:"fingerprint"`
	PublicKey   ed25519.PublicKey `json:"public_key"`
	Name        string            `json:"name"`
	Kind        string            `json:"kind,omitempty"`
	Transports  []string          `json:"transports,omitempty"`
	Via         string            `json:"via,omitempty"` // the transport the pairing ran on: lan or relay
	Relay       string            `json:"relay,omitempty"`
	PairedAt    time.Time         `json:"paired_at"`
}

type peersDoc struct {
	Version int    `json:"version"`
	Peers   []Peer `json:"peers"`
}

// Store is a state directory: the identity key and the paired peers. Its
// methods are safe for concurrent use, also by several processes: each
// change of the peer list is a locked read-modify-write, and each write is
// atomic (temporary file, fsync, rename, fsync of the directory).
type Store struct {
	Dir string
}

// OpenStore opens (making if needed, mode 0700) the state directory dir.
// A directory that other users may read gives an error matching
// [ErrInsecureState].
func OpenStore(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("pairing: empty state directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pairing: state directory: %w", err)
	}
	if err := checkPrivate(dir, true); err != nil {
		return nil, err
	}
	return &Store{Dir: dir}, nil
}

// Identity loads the store's identity, making it on first use.
func (s *Store) Identity() (*Identity, error) { return LoadOrCreateIdentity(s.Dir) }

// Peers lists the paired peers, oldest first.
func (s *Store) Peers() ([]Peer, error) {
	doc, err := s.read()
	if err != nil {
		return nil, err
	}
	return doc.Peers, nil
}

// Peer finds a peer by its fingerprint, a unique prefix of at least 8
// characters, or its exact name.
func (s *Store) Peer(key string) (Peer, error) {
	peers, err := s.Peers()
	if err != nil {
		return Peer{}, err
	}
	return findPeer(peers, key)
}

func findPeer(peers []Peer, key string) (Peer, error) {
	key = strings.TrimSpace(key)
	var found []Peer
	lk := strings.ToLower(key)
	for _, p := range peers {
		if p.Fingerprint == lk || len(lk) >= 8 && strings.HasPrefix(p.Fingerprint, lk) {
			found = append(found, p)
		}
	}
	if len(found) == 0 {
		for _, p := range peers {
			if p.Name == key {
				found = append(found, p)
			}
		}
	}
	switch len(found) {
	case 0:
		return Peer{}, fmt.Errorf("pairing: %q: %w", key, ErrUnknownPeer)
	case 1:
		return found[0], nil
	}
	return Peer{}, fmt.Errorf("pairing: %q matches %d paired peers; give more of the fingerprint", key, len(found))
}

// AddPeer records p, replacing any record with the same fingerprint.
func (s *Store) AddPeer(p Peer) error {
	if !ValidFingerprint(p.Fingerprint) || len(p.PublicKey) != ed25519.PublicKeySize || Fingerprint(p.PublicKey) != p.Fingerprint {
		return errors.New("pairing: peer record has a bad key or fingerprint")
	}
	return s.update(func(doc *peersDoc) error {
		out := doc.Peers[:0]
		for _, q := range doc.Peers {
			if q.Fingerprint != p.Fingerprint {
				out = append(out, q)
			}
		}
		doc.Peers = append(out, p)
		return nil
	})
}

// RemovePeer forgets the peer that key names (as for [Store.Peer]) and
// returns its record.
func (s *Store) RemovePeer(key string) (Peer, error) {
	var gone Peer
	err := s.update(func(doc *peersDoc) error {
		p, err := findPeer(doc.Peers, key)
		if err != nil {
			return err
		}
		gone = p
		out := doc.Peers[:0]
		for _, q := range doc.Peers {
			if q.Fingerprint != p.Fingerprint {
				out = append(out, q)
			}
		}
		doc.Peers = out
		return nil
	})
	return gone, err
}

func (s *Store) path() string { return filepath.Join(s.Dir, PeersFile) }

func (s *Store) read() (peersDoc, error) {
	b, err := os.ReadFile(s.path())
	if errors.Is(err, fs.ErrNotExist) {
		return peersDoc{Version: 1}, nil
	}
	if err != nil {
		return peersDoc{}, fmt.Errorf("pairing: reading peers: %w", err)
	}
	return parsePeers(b, s.path())
}

func parsePeers(b []byte, path string) (peersDoc, error) {
	var doc peersDoc
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return peersDoc{}, fmt.Errorf("pairing: %s: %v: %w", path, err, ErrCorruptState)
	}
	if dec.More() {
		return peersDoc{}, fmt.Errorf("pairing: %s: data after the peer list: %w", path, ErrCorruptState)
	}
	if doc.Version != 1 {
		return peersDoc{}, fmt.Errorf("pairing: %s: version %d, want 1: %w", path, doc.Version, ErrCorruptState)
	}
	for i, p := range doc.Peers {
		if len(p.PublicKey) != ed25519.PublicKeySize || Fingerprint(p.PublicKey) != p.Fingerprint {
			return peersDoc{}, fmt.Errorf("pairing: %s: peer %d has a key that does not match its fingerprint: %w", path, i, ErrCorruptState)
		}
	}
	sort.SliceStable(doc.Peers, func(i, j int) bool { return doc.Peers[i].PairedAt.Before(doc.Peers[j].PairedAt) })
	return doc, nil
}

func (s *Store) update(change func(*peersDoc) error) error {
	unlock, err := lockDir(s.Dir)
	if err != nil {
		return err
	}
	defer unlock()
	doc, err := s.read()
	if err != nil {
		return err
	}
	if err := change(&doc); err != nil {
		return err
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("pairing: encoding peers: %w", err)
	}
	return writeFileAtomic(s.path(), append(b, '\n'), 0o600)
}

// writeFileAtomic replaces path with data: a temporary file in the same
// directory, fsync, rename, fsync of the directory.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("pairing: writing %s: %w", path, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("pairing: writing %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("pairing: writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("pairing: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("pairing: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("pairing: writing %s: %w", path, err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("pairing: syncing %s: %w", dir, err)
		}
	}
	return nil
}
