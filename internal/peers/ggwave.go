package peers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GGWaveVersion is the ggwave npm package version pinned in
// ggwave/package.json.
const GGWaveVersion = "0.4.0"

// GGWaveDefaultRate is ggwave's operating sample rate, used when a rate of 0
// is given.
const GGWaveDefaultRate = 48000

// GGWaveMaxPayload is the longest payload, in bytes, of one ggwave 0.4.0
// variable-length message (kMaxLengthVariable).
const GGWaveMaxPayload = 140

// GGWaveProtocols returns the protocol names [GGWaveEncode] takes, in
// ggwave's ProtocolId order: the audible, ultrasound ("u-") and dual-tone
// ("dt-") families, each normal, fast and fastest.
func GGWaveProtocols() []string {
	return []string{
		"normal", "fast", "fastest",
		"u-normal", "u-fast", "u-fastest",
		"dt-normal", "dt-fast", "dt-fastest",
	}
}

// GGWaveDirEnv names an environment variable that, when set, gives the
// directory to run ggwave-cli.js in, with the pinned ggwave package under its
// node_modules, in place of internal/peers/ggwave. The benchmark sweep sets
// it to benchmarks/peers, the node package it installs with npm ci.
const GGWaveDirEnv = "WARBLE_GGWAVE_DIR"

// ggwaveDir returns $WARBLE_GGWAVE_DIR if set, else internal/peers/ggwave in
// the module.
func ggwaveDir() (string, error) {
	if dir := os.Getenv(GGWaveDirEnv); dir != "" {
		return filepath.Abs(dir)
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "internal", "peers", "ggwave"), nil
}

// GGWaveAvailable reports whether ggwave can run: node on PATH and the
// pinned ggwave package installed under internal/peers/ggwave/node_modules.
// Its error wraps [ErrUnavailable] and says what to run.
func GGWaveAvailable() error {
	_, _, err := ggwaveSetup()
	return err
}

func ggwaveSetup() (node, dir string, err error) {
	node, err = exec.LookPath("node")
	if err != nil {
		return "", "", fmt.Errorf("%w: node not found on PATH; run scripts/setup-peers.sh", ErrUnavailable)
	}
	dir, err = ggwaveDir()
	if err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	pkg := filepath.Join(dir, "node_modules", "ggwave", "package.json")
	b, err := os.ReadFile(pkg)
	if err != nil {
		return "", "", fmt.Errorf("%w: ggwave npm package not installed; run scripts/setup-peers.sh (or npm ci --prefix internal/peers/ggwave)", ErrUnavailable)
	}
	var meta struct{ Version string }
	if err := json.Unmarshal(b, &meta); err != nil || meta.Version != GGWaveVersion {
		return "", "", fmt.Errorf("%w: %s has ggwave %q, want %s; run npm ci --prefix internal/peers/ggwave", ErrUnavailable, pkg, meta.Version, GGWaveVersion)
	}
	return node, dir, nil
}

// GGWaveEncode returns the transmission of payload made by ggwave's own
// encoder with the named protocol (see [GGWaveProtocols]) at rate Hz (0 for
// [GGWaveDefaultRate]), volume 50, as mono samples in [-1, 1).
func GGWaveEncode(ctx context.Context, protocol string, payload []byte, rate int) ([]float32, error) {
	if !slices.Contains(GGWaveProtocols(), protocol) {
		return nil, fmt.Errorf("peers: ggwave: unknown protocol %q (want one of %s)", protocol, strings.Join(GGWaveProtocols(), ", "))
	}
	if len(payload) == 0 || len(payload) > GGWaveMaxPayload {
		return nil, fmt.Errorf("peers: ggwave: payload of %d bytes is outside 1..%d", len(payload), GGWaveMaxPayload)
	}
	if rate == 0 {
		rate = GGWaveDefaultRate
	}
	node, dir, err := ggwaveSetup()
	if err != nil {
		return nil, fmt.Errorf("peers: ggwave: %w", err)
	}
	var samples []float32
	err = withTempDir(func(tmp string) error {
		out := filepath.Join(tmp, "ggwave.wav")
		_, err := run(ctx, dir, node, "ggwave-cli.js", "encode",
			"--protocol", protocol, "--rate", strconv.Itoa(rate),
			"--hex", hex.EncodeToString(payload), "-o", out)
		if err != nil {
			return fmt.Errorf("peers: ggwave encode: %w", err)
		}
		samples, err = readPeerWAV(out, rate)
		return err
	})
	return samples, err
}

// GGWaveDecodeOptions choose how [GGWaveDecodeWith] feeds ggwave's decoder.
// The zero value feeds about one analysis frame per call, as a live capture
// would.
type GGWaveDecodeOptions struct {
	// Whole passes the whole recording in one decode call. ggwave then
	// reports only the last message in it.
	Whole bool
	// ChunkSamples, if positive, is the number of samples per decode call
	// (ignored when Whole is set).
	ChunkSamples int
}

func (o GGWaveDecodeOptions) args() []string {
	switch {
	case o.Whole:
		return []string{"--whole"}
	case o.ChunkSamples > 0:
		return []string{"--chunk", strconv.Itoa(o.ChunkSamples)}
	}
	return nil
}

// GGWaveDecode returns the payloads ggwave's own decoder finds in samples
// recorded at rate Hz, in order. Finding none is not an error.
func GGWaveDecode(ctx context.Context, samples []float32, rate int) ([][]byte, error) {
	return GGWaveDecodeWith(ctx, samples, rate, GGWaveDecodeOptions{})
}

// GGWaveDecodeWith is [GGWaveDecode] with options.
func GGWaveDecodeWith(ctx context.Context, samples []float32, rate int, opts GGWaveDecodeOptions) ([][]byte, error) {
	stdout, err := ggwaveDecode(ctx, "decode", samples, rate, opts)
	if err != nil {
		return nil, err
	}
	var payloads [][]byte
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var msg struct {
			PayloadHex string `json:"payload_hex"`
		}
		if err := json.Unmarshal(line, &msg); err != nil {
			return nil, fmt.Errorf("peers: ggwave decode: bad output line %q: %w", line, err)
		}
		p, err := hex.DecodeString(msg.PayloadHex)
		if err != nil {
			return nil, fmt.Errorf("peers: ggwave decode: bad payload_hex %q: %w", msg.PayloadHex, err)
		}
		payloads = append(payloads, p)
	}
	return payloads, nil
}

// GGWaveDecodeTime returns the time ggwave's decoder spent on samples,
// measured inside node around the decode calls only (not node start-up,
// module load or file reading). It is for benchmarks.
func GGWaveDecodeTime(ctx context.Context, samples []float32, rate int, opts GGWaveDecodeOptions) (time.Duration, error) {
	stdout, err := ggwaveDecode(ctx, "decode-speed", samples, rate, opts)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(stdout))
	sec, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("peers: ggwave decode-speed: bad output %q", s)
	}
	return time.Duration(sec * float64(time.Second)), nil
}

func ggwaveDecode(ctx context.Context, cmd string, samples []float32, rate int, opts GGWaveDecodeOptions) ([]byte, error) {
	if rate <= 0 {
		return nil, fmt.Errorf("peers: ggwave: sample rate %d Hz is not positive", rate)
	}
	node, dir, err := ggwaveSetup()
	if err != nil {
		return nil, fmt.Errorf("peers: ggwave: %w", err)
	}
	var stdout []byte
	err = withTempDir(func(tmp string) error {
		in := filepath.Join(tmp, "in.wav")
		if err := writeWAV(in, samples, rate, wavFloat32); err != nil {
			return err
		}
		args := append([]string{"ggwave-cli.js", cmd}, opts.args()...)
		args = append(args, in)
		stdout, err = run(ctx, dir, node, args...)
		if cmd == "decode" && foundNothing(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("peers: ggwave %s: %w", cmd, err)
		}
		return nil
	})
	return stdout, err
}

// foundNothing reports whether err is ggwave-cli's "decoded nothing": exit
// status 1 with nothing on standard error (its failures say why there).
func foundNothing(err error) bool {
	var re *runError
	return errors.As(err, &re) && exitCode(err) == 1 && strings.TrimSpace(re.stderr) == ""
}

// GGWaveDecodeMany decodes each recording (all at rate Hz) with a fresh
// ggwave receiver in one node process, fed as [GGWaveDecode] feeds it, and
// returns the payloads found in each, in order. It is for benchmarks that
// decode many short recordings.
func GGWaveDecodeMany(ctx context.Context, recs [][]float32, rate int) ([][][]byte, error) {
	if rate <= 0 {
		return nil, fmt.Errorf("peers: ggwave: sample rate %d Hz is not positive", rate)
	}
	node, dir, err := ggwaveSetup()
	if err != nil {
		return nil, fmt.Errorf("peers: ggwave: %w", err)
	}
	out := make([][][]byte, len(recs))
	if len(recs) == 0 {
		return out, nil
	}
	err = withTempDir(func(tmp string) error {
		args := []string{"ggwave-cli.js", "decode-many"}
		for i, x := range recs {
			in := filepath.Join(tmp, fmt.Sprintf("in%05d.wav", i))
			if err := writeWAV(in, x, rate, wavFloat32); err != nil {
				return err
			}
			args = append(args, in)
		}
		stdout, err := run(ctx, dir, node, args...)
		if err != nil {
			return fmt.Errorf("peers: ggwave decode-many: %w", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(stdout))
		sc.Buffer(make([]byte, 1<<16), 1<<24)
		i := 0
		for sc.Scan() {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			var msg struct {
				PayloadsHex []string `json:"payloads_hex"`
			}
			if err := json.Unmarshal(line, &msg); err != nil || i >= len(recs) {
				return fmt.Errorf("peers: ggwave decode-many: bad output line %q", line)
			}
			for _, h := range msg.PayloadsHex {
				p, err := hex.DecodeString(h)
				if err != nil {
					return fmt.Errorf("peers: ggwave decode-many: bad payload %q", h)
				}
				out[i] = append(out[i], p)
			}
			i++
		}
		if i != len(recs) {
			return fmt.Errorf("peers: ggwave decode-many: %d results for %d recordings", i, len(recs))
		}
		return nil
	})
	return out, err
}
