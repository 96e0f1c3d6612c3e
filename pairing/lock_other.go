//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package pairing

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// lockDir takes the state directory's lock by creating its lock file
// exclusively, waiting while another writer holds it.
func lockDir(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, ".lock")
	deadline := time.Now().Add(30 * time.Second)
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) || time.Now().After(deadline) {
			return nil, fmt.Errorf("pairing: locking state: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
