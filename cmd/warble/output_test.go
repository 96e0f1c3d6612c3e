package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputDash has "-o -" (and flash's "-html -") write to stdout, not to
// a file named "-", and a named file get the same bytes.
func TestOutputDash(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, c := range []struct {
		name  string
		args  func(out string) []string
		check func(t *testing.T, b []byte)
	}{
		{"encode", func(out string) []string { return []string{"encode", "-profile", "fast", "-o", out, "hello"} }, func(t *testing.T, b []byte) {
			if !bytes.HasPrefix(b, []byte("RIFF")) || !bytes.Contains(b[:16], []byte("WAVE")) {
				t.Errorf("not a WAV: %q", b[:min(len(b), 16)])
			}
		}},
		{"qr", func(out string) []string { return []string{"qr", "-o", out, "hello"} }, func(t *testing.T, b []byte) {
			if _, err := png.Decode(bytes.NewReader(b)); err != nil {
				t.Errorf("not a PNG: %v", err)
			}
		}},
		{"flash", func(out string) []string { return []string{"flash", "-mode", "safe", "-html", out, "hello"} }, func(t *testing.T, b []byte) {
			if !strings.Contains(strings.ToLower(string(b[:min(len(b), 200)])), "<!doctype html") {
				t.Errorf("not a web page: %q", b[:min(len(b), 60)])
			}
		}},
	} {
		r := warble(t, nil, c.args("-")...)
		r.want(t, 0, c.args("-")...)
		if _, err := os.Stat(filepath.Join(dir, "-")); err == nil {
			t.Fatalf("%s -o - wrote a file named -", c.name)
		}
		c.check(t, []byte(r.stdout))
		file := filepath.Join(dir, c.name+".out")
		warble(t, nil, c.args(file)...).want(t, 0, c.args(file)...)
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, []byte(r.stdout)) {
			t.Errorf("%s: the file (%d bytes) differs from stdout (%d bytes)", c.name, len(b), len(r.stdout))
		}
	}
	// Decoding what encode wrote to stdout finds the payload.
	r := warble(t, nil, "encode", "-o", "-", "piped")
	frames, dr := decodeJSON(t, strings.NewReader(r.stdout), "-")
	dr.want(t, 0)
	if len(frames) != 1 || frames[0]["text"] != "piped" {
		t.Errorf("decode of encode -o - gave %v", frames)
	}
}
