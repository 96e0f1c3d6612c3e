package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"warble/internal/peers"
)

// InstallGGWave runs npm ci in benchmarks/peers unless its node_modules was
// installed from the lock file as it is now (or install is false), and
// points internal/peers at that directory: benchmarks/peers/ggwave-cli.js
// runs the one peer script, internal/peers/ggwave/ggwave-cli.js, against
// the ggwave installed there.
func InstallGGWave(ctx context.Context, root string, install bool, logf func(format string, args ...any)) error {
	dir := filepath.Join(root, "benchmarks", "peers")
	if err := os.Setenv(peers.GGWaveDirEnv, dir); err != nil {
		return err
	}
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return err
	}
	sum := sha256.Sum256(lock)
	want := hex.EncodeToString(sum[:])
	stamp := filepath.Join(dir, "node_modules", ".warble-lock.sha256")
	if b, err := os.ReadFile(stamp); err == nil && strings.TrimSpace(string(b)) == want {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "ggwave", "ggwave.js")); err == nil {
			return nil
		}
	}
	if !install {
		return nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("bench: npm not found on PATH; run scripts/setup-peers.sh")
	}
	logf("npm ci in %s", dir)
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("bench: npm ci in %s: %v: %s", dir, err, strings.TrimSpace(out.String()))
	}
	return os.WriteFile(stamp, []byte(want+"\n"), 0o644)
}

// GGWaveBatch decodes recordings in one node process, each with a fresh
// ggwave receiver (ggwave-cli.js decode-many).
func GGWaveBatch(ctx context.Context, recs [][]float32) ([]Heard, error) {
	found, err := peers.GGWaveDecodeMany(ctx, recs, Rate)
	if err != nil {
		return nil, err
	}
	out := make([]Heard, len(recs))
	for i, ps := range found {
		out[i].Frames = append([][]byte{}, ps...)
	}
	return out, nil
}
