package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"warble/internal/wav"
)

// codec is a narrowband speech codec, as a phone call or a Bluetooth
// headset puts a transmission through one. Each runs as Debian's tools
// run it (scripts/setup-codecs.sh installs them): the recording goes
// in at 48 kHz, is brought to the codec's rate, coded, decoded and comes
// back at 48 kHz.
type codec struct {
	Key, Name string
	// steps are the commands, with IN and OUT standing for the file names
	// each reads and writes; the first reads in.wav, the last writes out.wav.
	steps [][]string
}

// codecs returns the codec conditions of the sweep.
func codecs() []codec {
	return []codec{
		{Key: "amr-nb", Name: "AMR-NB 12.2 kbit/s", steps: [][]string{
			{"sox", "-q", "IN", "-r", "8000", "-c", "1", "-C", "7", "OUT.amr-nb"},
			{"sox", "-q", "IN", "-r", "48000", "-b", "16", "OUT.wav"},
		}},
		{Key: "gsm", Name: "GSM 06.10", steps: [][]string{
			{"sox", "-q", "IN", "-r", "8000", "-c", "1", "OUT.gsm"},
			{"sox", "-q", "IN", "-r", "48000", "-b", "16", "OUT.wav"},
		}},
		{Key: "opus-8k", Name: "Opus 8 kbit/s", steps: [][]string{
			{"opusenc", "--quiet", "--bitrate", "8", "IN", "OUT.opus"},
			{"opusdec", "--quiet", "--rate", "48000", "IN", "OUT.wav"},
		}},
	}
}

// codecsAvailable reports why the codec conditions cannot run here, if
// they cannot.
func codecsAvailable() error {
	for _, tool := range []string{"sox", "opusenc", "opusdec"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found on PATH; run scripts/setup-codecs.sh", tool)
		}
	}
	out, _ := exec.Command("sox", "-h").CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if f, ok := strings.CutPrefix(line, "AUDIO FILE FORMATS: "); ok {
			have := " " + f + " "
			if strings.Contains(have, " amr-nb ") && strings.Contains(have, " gsm ") {
				return nil
			}
		}
	}
	return errors.New("sox lists no amr-nb or gsm format; run scripts/setup-codecs.sh")
}

// codecByKey returns the codec with the given key.
func codecByKey(key string) (codec, bool) {
	for _, c := range codecs() {
		if c.Key == key {
			return c, true
		}
	}
	return codec{}, false
}

// apply returns y (at 48 kHz) after the codec, as long as y: what the
// codec adds at either end is cut or padded with silence. y is scaled to
// a peak of 0.7 first so that nothing clips on the way.
func (c codec) apply(ctx context.Context, y []float32) ([]float32, error) {
	dir, err := os.MkdirTemp("", "warble-codec-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var peak float32
	for _, v := range y {
		peak = max(peak, v, -v)
	}
	scaled := make([]float32, len(y))
	if peak > 0 {
		for i, v := range y {
			scaled[i] = v * 0.7 / peak
		}
	}
	var buf bytes.Buffer
	if err := wav.Encode(&buf, scaled, rate); err != nil {
		return nil, err
	}
	in := filepath.Join(dir, "in.wav")
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	for i, step := range c.steps {
		args := make([]string, len(step)-1)
		var out string
		for j, a := range step[1:] {
			switch {
			case a == "IN":
				args[j] = in
			case strings.HasPrefix(a, "OUT"):
				out = filepath.Join(dir, fmt.Sprintf("step%d%s", i, strings.TrimPrefix(a, "OUT")))
				args[j] = out
			default:
				args[j] = a
			}
		}
		cmd := exec.CommandContext(ctx, step[0], args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("%s: %s: %v: %s", c.Name, step[0], err, strings.TrimSpace(stderr.String()))
		}
		in = out
	}
	f, err := os.Open(in)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, zr, err := wav.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	if zr != rate {
		return nil, fmt.Errorf("%s: decoded at %d Hz, want %d Hz", c.Name, zr, rate)
	}
	out := make([]float32, len(y))
	copy(out, z)
	return out, nil
}
