package pairing

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// FingerprintLen is the length of a fingerprint in characters.
const FingerprintLen = 2 * sha256.Size

// Fingerprint names an Ed25519 public key: the lower-case hex of its
// SHA-256. Every part of warble shows and compares keys in this form.
func Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:])
}

// ValidFingerprint reports whether s has the form of a full fingerprint.
func ValidFingerprint(s string) bool {
	if len(s) != FingerprintLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Identity is a device's long-term Ed25519 key pair. It is safe for
// concurrent use.
type Identity struct {
	Private ed25519.PrivateKey
	Public  ed25519.PublicKey
}

// NewIdentity makes a fresh identity from crypto/rand.
func NewIdentity() (*Identity, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pairing: generating identity: %w", err)
	}
	return &Identity{Private: priv, Public: pub}, nil
}

// IdentityFromSeed makes the identity whose Ed25519 seed is seed (32 bytes).
func IdentityFromSeed(seed []byte) (*Identity, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("pairing: identity seed is %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	return &Identity{Private: priv, Public: priv.Public().(ed25519.PublicKey)}, nil
}

// Fingerprint is [Fingerprint] of the identity's public key.
func (id *Identity) Fingerprint() string { return Fingerprint(id.Public) }

// Sign signs msg with the identity's private key.
func (id *Identity) Sign(msg []byte) []byte { return ed25519.Sign(id.Private, msg) }

// IdentityFile is the name of the identity key file in a state directory.
const IdentityFile = "identity.pem"

const pemType = "WARBLE ED25519 PRIVATE KEY"

// DefaultStateDir is the state directory used when none is given:
// warble under [os.UserConfigDir].
func DefaultStateDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("pairing: no default state directory: %w", err)
	}
	return filepath.Join(dir, "warble"), nil
}

// LoadOrCreateIdentity reads the identity in stateDir, or makes one and
// writes it there (mode 0600, atomically) if there is none. A file that is
// present but unreadable or corrupt is an error; it is never replaced.
func LoadOrCreateIdentity(stateDir string) (*Identity, error) {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("pairing: state directory: %w", err)
	}
	path := filepath.Join(stateDir, IdentityFile)
	id, err := LoadIdentity(stateDir)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return id, err
	}
	unlock, err := lockDir(stateDir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Another process may have made it while we waited for the lock.
	if id, err := LoadIdentity(stateDir); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return id, err
	}
	id, err = NewIdentity()
	if err != nil {
		return nil, err
	}
	block := pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: id.Private.Seed()})
	if err := writeFileAtomic(path, block, 0o600); err != nil {
		return nil, err
	}
	return id, nil
}

// ErrInsecureState is matched when the state directory or the identity
// file is open to other users of the machine. warble refuses to use it;
// the error says how to fix the permissions.
var ErrInsecureState = errors.New("state open to other users")

// checkPrivate refuses a state directory or file that users other than
// its owner may read, write or (for a directory) enter, with the command
// that fixes it.
func checkPrivate(path string, dir bool) error {
	if runtime.GOOS == "windows" {
		return nil // permissions are ACLs there, not mode bits
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		what, fix := "identity file", "600"
		if dir {
			what, fix = "state directory", "700"
		}
		return fmt.Errorf("pairing: %s %s has mode %04o, open to other users (fix: chmod %s %s): %w", what, path, perm, fix, path, ErrInsecureState)
	}
	return nil
}

// LoadIdentity reads the identity in stateDir. A missing file gives an
// error matching [fs.ErrNotExist]. A state directory or identity file that
// other users may read gives an error matching [ErrInsecureState].
func LoadIdentity(stateDir string) (*Identity, error) {
	if err := checkPrivate(stateDir, true); err != nil {
		if errors.Is(err, ErrInsecureState) {
			return nil, err
		}
		return nil, fmt.Errorf("pairing: state directory: %w", err)
	}
	path := filepath.Join(stateDir, IdentityFile)
	if err := checkPrivate(path, false); err != nil {
		if errors.Is(err, ErrInsecureState) {
			return nil, err
		}
		return nil, fmt.Errorf("pairing: reading identity: %w", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pairing: reading identity: %w", err)
	}
	block, rest := pem.Decode(b)
	if block == nil || block.Type != pemType || len(strings.TrimSpace(string(rest))) != 0 {
		return nil, fmt.Errorf("pairing: identity file %s is corrupt: %w", path, ErrCorruptState)
	}
	id, err := IdentityFromSeed(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("pairing: identity file %s is corrupt: %w", path, ErrCorruptState)
	}
	return id, nil
}
