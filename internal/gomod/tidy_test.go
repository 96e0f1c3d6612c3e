package gomod

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// goCommand returns the go command that runs this test, or the one on PATH.
func goCommand() (string, error) {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); runtime.GOROOT() != "" {
		if _, err := exec.LookPath(p); err == nil {
			return p, nil
		}
	}
	return exec.LookPath("go")
}

// TestTidy fails when go.mod or go.sum differs from what go mod tidy would
// write, and shows the difference. It runs against the module cache the
// build already filled; it is skipped only when no go command can run.
func TestTidy(t *testing.T) {
	gocmd, err := goCommand()
	if err != nil {
		t.Skipf("no go command to run go mod tidy with: %v", err)
	}
	if err := exec.Command(gocmd, "version").Run(); err != nil {
		t.Skipf("the go command %s cannot run: %v", gocmd, err)
	}
	// The test runs in this package's directory, inside the module.
	cmd := exec.Command(gocmd, "mod", "tidy", "-diff")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && out.Len() > 0:
		t.Errorf("go.mod or go.sum is not tidy; run go mod tidy. The difference:\n%s", out.Bytes())
	default:
		t.Errorf("go mod tidy -diff: %v\n%s", err, stderr.Bytes())
	}
}
