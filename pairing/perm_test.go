package pairing

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// A state directory or identity file that other users may read is refused,
// with the fix in the message.
func TestStatePermissionsChecked(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("mode bits")
	}
	dir := filepath.Join(t.TempDir(), "state")
	if _, err := LoadOrCreateIdentity(dir); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, IdentityFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("identity file mode %v, %v; want 0600", st.Mode().Perm(), err)
	}

	os.Chmod(filepath.Join(dir, IdentityFile), 0o644)
	_, err = LoadIdentity(dir)
	if !errors.Is(err, ErrInsecureState) || !strings.Contains(err.Error(), "chmod 600 "+filepath.Join(dir, IdentityFile)) {
		t.Fatalf("world-readable identity: %v, want ErrInsecureState with the chmod", err)
	}
	if _, err := LoadOrCreateIdentity(dir); !errors.Is(err, ErrInsecureState) {
		t.Fatalf("LoadOrCreateIdentity with a world-readable identity: %v", err)
	}
	os.Chmod(filepath.Join(dir, IdentityFile), 0o600)

	os.Chmod(dir, 0o755)
	if _, err := LoadIdentity(dir); !errors.Is(err, ErrInsecureState) || !strings.Contains(err.Error(), "chmod 700 "+dir) {
		t.Fatalf("open state directory: %v, want ErrInsecureState with the chmod", err)
	}
	if _, err := OpenStore(dir); !errors.Is(err, ErrInsecureState) {
		t.Fatalf("OpenStore on an open directory: %v", err)
	}
	os.Chmod(dir, 0o700)
	if _, err := OpenStore(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadIdentity(dir); err != nil {
		t.Fatal(err)
	}
}

// stateDir is a fresh state directory path that warble makes itself
// (t.TempDir is open to other users).
func stateDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "state")
}
