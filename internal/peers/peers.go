// Package peers runs other acoustic modems, ggwave and minimodem, as
// subprocesses, so that warble can be interop-tested and benchmarked against
// them.
//
// Samples cross the process boundary as WAV files in a temporary directory:
// samples handed to a peer are written as 32-bit float mono (lossless, not
// clipped), and what a peer writes (16-bit PCM) is read back as float32 in
// [-1, 1).
//
// ggwave runs under node through ggwave/ggwave-cli.js and the ggwave npm
// package pinned in ggwave/package.json; minimodem is the Debian package.
// scripts/setup-peers.sh installs both. Call [GGWaveAvailable] or
// [MinimodemAvailable] first and skip when they return an error; every
// error they return wraps [ErrUnavailable].
//
// The functions are safe for concurrent use: each call runs its own process
// in its own temporary directory.
package peers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// ErrUnavailable is wrapped by the errors of [GGWaveAvailable] and
// [MinimodemAvailable], and by the peer functions when a peer is missing.
var ErrUnavailable = errors.New("peer unavailable")

// moduleRoot returns the directory holding warble's go.mod: first from this
// source file's own path, then by walking up from the working directory.
func moduleRoot() (string, error) {
	var starts []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, dir := range starts {
		for {
			if isWarbleModule(filepath.Join(dir, "go.mod")) {
				return dir, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", errors.New("peers: cannot find the warble module root (go.mod)")
}

func isWarbleModule(gomod string) bool {
	b, err := os.ReadFile(gomod)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "module" && f[1] == "warble" {
			return true
		}
	}
	return false
}

// run runs name with args and returns its standard output. A non-zero exit
// is returned as an error carrying the exit code (see exitCode) and the
// last of standard error.
func run(ctx context.Context, dir, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil {
		if ctx.Err() != nil {
			return stdout.Bytes(), fmt.Errorf("%s: %w", name, ctx.Err())
		}
		return stdout.Bytes(), &runError{name: name, err: err, stderr: tail(stderr.String(), 2000)}
	}
	return stdout.Bytes(), nil
}

// runError is a peer process that failed.
type runError struct {
	name   string
	err    error
	stderr string
}

func (e *runError) Error() string {
	msg := fmt.Sprintf("%s: %v", e.name, e.err)
	if s := strings.TrimSpace(e.stderr); s != "" {
		msg += ": " + s
	}
	return msg
}

func (e *runError) Unwrap() error { return e.err }

// exitCode returns the exit code carried by err, or -1.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// withTempDir runs f with a fresh temporary directory and removes it after.
func withTempDir(f func(dir string) error) error {
	dir, err := os.MkdirTemp("", "warble-peers-")
	if err != nil {
		return fmt.Errorf("peers: %w", err)
	}
	defer os.RemoveAll(dir)
	return f(dir)
}

// readPeerWAV reads a WAV a peer wrote and checks its rate.
func readPeerWAV(path string, wantRate int) ([]float32, error) {
	samples, rate, err := readWAV(path)
	if err != nil {
		return nil, err
	}
	if rate != wantRate {
		return nil, fmt.Errorf("peers: %s has rate %d Hz, want %d Hz", filepath.Base(path), rate, wantRate)
	}
	return samples, nil
}
