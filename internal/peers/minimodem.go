package peers

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
)

// MinimodemDefaultRate is minimodem's sample rate when none is given
// (--samplerate, minimodem 0.24), used when a rate of 0 is given.
const MinimodemDefaultRate = 48000

// MinimodemAvailable reports whether the minimodem program is on PATH. Its
// error wraps [ErrUnavailable] and says what to run.
func MinimodemAvailable() error {
	_, err := minimodemPath()
	return err
}

func minimodemPath() (string, error) {
	p, err := exec.LookPath("minimodem")
	if err != nil {
		return "", fmt.Errorf("%w: minimodem not found on PATH; run scripts/setup-peers.sh (or apt-get install minimodem)", ErrUnavailable)
	}
	return p, nil
}

// MinimodemEncode returns minimodem's transmission of payload, framed 8-N-1
// (bytes go through unchanged), at baud bits/s at rate Hz (0 for
// [MinimodemDefaultRate]). minimodem picks the tones from the baud rate:
// 300 is Bell 103 (mark 1270 Hz, space 1070 Hz), 1200 is Bell 202 (1200 Hz,
// 2200 Hz), others Bell-like. The signal is at minimodem's full scale,
// amplitude 1.0.
func MinimodemEncode(ctx context.Context, baud int, payload []byte, rate int) ([]float32, error) {
	if baud <= 0 {
		return nil, fmt.Errorf("peers: minimodem: baud rate %d is not positive", baud)
	}
	if len(payload) == 0 {
		return nil, fmt.Errorf("peers: minimodem: empty payload")
	}
	if rate < 0 {
		return nil, fmt.Errorf("peers: minimodem: sample rate %d Hz is negative", rate)
	}
	mm, err := minimodemPath()
	if err != nil {
		return nil, fmt.Errorf("peers: minimodem: %w", err)
	}
	var samples []float32
	err = withTempDir(func(tmp string) error {
		out := filepath.Join(tmp, "minimodem.wav")
		args := []string{"--tx", "--quiet", "--file", out}
		want := MinimodemDefaultRate
		if rate > 0 {
			args = append(args, "--samplerate", strconv.Itoa(rate))
			want = rate
		}
		args = append(args, strconv.Itoa(baud))
		cmd := exec.CommandContext(ctx, mm, args...)
		cmd.Stdin = bytes.NewReader(payload)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("peers: minimodem encode: %w", ctx.Err())
			}
			return fmt.Errorf("peers: minimodem encode: %w", &runError{name: "minimodem", err: err, stderr: tail(stderr.String(), 2000)})
		}
		samples, err = readPeerWAV(out, want)
		return err
	})
	return samples, err
}

// MinimodemDecode returns the bytes minimodem receives, framed 8-N-1, at
// baud bits/s from samples recorded at rate Hz: everything it printed, with
// its carrier reports silenced. Receiving nothing is not an error.
func MinimodemDecode(ctx context.Context, baud int, samples []float32, rate int) ([]byte, error) {
	if baud <= 0 {
		return nil, fmt.Errorf("peers: minimodem: baud rate %d is not positive", baud)
	}
	if rate <= 0 {
		return nil, fmt.Errorf("peers: minimodem: sample rate %d Hz is not positive", rate)
	}
	mm, err := minimodemPath()
	if err != nil {
		return nil, fmt.Errorf("peers: minimodem: %w", err)
	}
	var got []byte
	err = withTempDir(func(tmp string) error {
		in := filepath.Join(tmp, "in.wav")
		if err := writeWAV(in, samples, rate, wavFloat32); err != nil {
			return err
		}
		out, err := run(ctx, tmp, mm, "--rx", "--quiet", "--file", in, strconv.Itoa(baud))
		if err != nil {
			return fmt.Errorf("peers: minimodem decode: %w", err)
		}
		got = out
		return nil
	})
	return got, err
}
