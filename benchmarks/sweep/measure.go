package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"warble/benchmarks/internal/bench"

	"warble/internal/channel"
	"warble/internal/peers"
	"warble/internal/wav"
	"warble/modem"
)

// saveResult keeps one part's results in the cache directory, so RESULTS.md
// can be regenerated from every part after running only some.
func saveResult(cfg config, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Join(cfg.cacheDir, "results")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".json"), b, 0o644)
}

// loadResult reads what saveResult kept; false if there is nothing.
func loadResult(cfg config, name string, v any) bool {
	b, err := os.ReadFile(filepath.Join(cfg.cacheDir, "results", name+".json"))
	return err == nil && json.Unmarshal(b, v) == nil
}

// airtime is the length of one system's 16-byte transmission.
type airtime struct {
	System  string  `json:"system"`
	Seconds float64 `json:"seconds"`
}

// runAirtime measures each transmitter's 16-byte transmission, from the
// first to the last sample within 40 dB of its peak.
func runAirtime(ctx context.Context, cfg config, sw *sweeper, syss []system) error {
	var out []airtime
	for _, s := range syss {
		tx, err := sw.transmissions(ctx, s)
		if err != nil {
			return err
		}
		var sum float64
		for _, x := range tx {
			sum += float64(len(x))
		}
		out = append(out, airtime{s.Name, sum / float64(len(tx)) / rate})
	}
	logf("airtime: %d systems", len(out))
	return saveResult(cfg, "airtime", out)
}

// usage is what one decoding run cost.
type usage struct {
	Wall   float64 `json:"wall_s"`
	CPU    float64 `json:"cpu_s"` // user + system
	MaxRSS int64   `json:"max_rss_kb"`
}

// measured runs a command and returns its standard output and cost. The
// cost comes from GNU time (/usr/bin/time), which forks the command from a
// small process, so its peak memory is the command's own: a child exec'd
// straight from this process would report this process's peak as its own
// (Linux keeps the high-water mark across exec).
func measured(ctx context.Context, dir string, stdin io.Reader, name string, args ...string) ([]byte, usage, error) {
	gtime, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		return nil, usage{}, errors.New("GNU time (/usr/bin/time) not found; run scripts/setup-bench.sh")
	}
	tf, err := os.CreateTemp("", "warble-sweep-time-")
	if err != nil {
		return nil, usage{}, err
	}
	tf.Close()
	defer os.Remove(tf.Name())
	cmd := exec.CommandContext(ctx, gtime, append([]string{"-q", "-f", "%e %U %S %M %x", "-o", tf.Name(), name}, args...)...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	b, err := os.ReadFile(tf.Name())
	if err != nil {
		return nil, usage{}, err
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var u usage
	var user, sys float64
	var code int
	if _, err := fmt.Sscanf(lines[len(lines)-1], "%g %g %g %d %d", &u.Wall, &user, &sys, &u.MaxRSS, &code); err != nil {
		return nil, usage{}, fmt.Errorf("%s: %v; %s", name, runErr, strings.TrimSpace(stderr.String()+" "+string(b)))
	}
	// CPU time from the rusage of GNU time's process, which counts the
	// command it waited for, to the microsecond (GNU time prints only
	// hundredths); its own share is about a millisecond.
	u.CPU = user + sys
	if ps := cmd.ProcessState; ps != nil {
		u.CPU = (ps.UserTime() + ps.SystemTime()).Seconds()
	}
	// Decoders exit 1 for "nothing found".
	if runErr != nil && code != 1 {
		return stdout.Bytes(), u, fmt.Errorf("%s: exit %d: %s", name, code, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), u, nil
}

// speedRow is one decoder's speed on the shared recording.
type speedRow struct {
	Decoder  string  `json:"decoder"`
	How      string  `json:"how"` // "process" or "in process"
	Command  string  `json:"command"`
	Found    int     `json:"found"` // frames (or, for minimodem, payloads seen whole)
	Wall     float64 `json:"wall_s"`
	CPU      float64 `json:"cpu_s"`
	XRT      float64 `json:"x_realtime"` // audio seconds per CPU second
	MaxRSSKB int64   `json:"max_rss_kb"`
}

type speedResult struct {
	Seconds   float64    `json:"audio_s"`
	Contents  string     `json:"contents"`
	Rows      []speedRow `json:"rows"`
	Measured  string     `json:"measured"`
	Repeats   int        `json:"repeats"`
	Sent      []string   `json:"sent"` // bursts in the recording, by transmitter
	GoVersion string     `json:"go"`
}

// speedRecording writes the shared recording: white Gaussian noise
// (σ = 0.05) with a burst every 10 s, taking turns between warble audible,
// ggwave fastest and minimodem 1200 (those that are here), each at +3 dB
// full-band SNR, as a 48 kHz 16-bit WAV file.
func speedRecording(ctx context.Context, cfg config, sw *sweeper, all []system, path string) (string, map[string][][]byte, error) {
	n := int(cfg.speedMin * 60 * rate)
	rng := rand.New(rand.NewPCG(5, 6))
	const sigma = 0.05
	y := channel.Noise(nil, n, sigma, rng)
	var srcs []system
	for _, s := range all {
		switch s.Key {
		case "warble-audible", "ggwave-fastest", "minimodem-1200":
			srcs = append(srcs, s)
		}
	}
	sent := map[string][][]byte{}
	var names []string
	for _, s := range srcs {
		names = append(names, s.Name)
	}
	if len(srcs) > 0 {
		k := 0
		for at := 2 * rate; at < n-6*rate; at += 10 * rate {
			s := srcs[k%len(srcs)]
			tx, err := sw.transmissions(ctx, s)
			if err != nil {
				return "", nil, err
			}
			j := (k / len(srcs)) % len(tx)
			x := tx[j]
			g := math.Sqrt(sigma * sigma * math.Pow(10, 3.0/10) / channel.Power(x, channel.Span{}))
			for i, v := range x {
				y[at+i] += float32(g) * v
			}
			sent[s.Key] = append(sent[s.Key], payload(j))
			k++
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return "", nil, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := wav.Encode(w, y, rate); err != nil {
		f.Close()
		return "", nil, err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return "", nil, err
	}
	desc := fmt.Sprintf("%.0f minutes at 48 kHz, 16-bit: white Gaussian noise (σ = 0.05) with a burst every 10 s taking turns between %s, each at +3 dB full-band SNR",
		cfg.speedMin, strings.Join(names, ", "))
	return desc, sent, f.Close()
}

// buildWarble compiles cmd/warble into the cache directory.
func buildWarble(ctx context.Context, cfg config) (string, error) {
	bin := filepath.Join(cfg.cacheDir, "bin", "warble")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/warble")
	cmd.Dir = cfg.root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/warble: %v: %s", err, out)
	}
	return bin, nil
}

// runSpeed times every decoder on the same recording: whole processes
// (warble decode, ggwave-cli.js decode under node, minimodem --rx), ggwave's
// decode calls inside node, and warble's receiver in this process. Each is
// the median of five runs, by CPU time (user + system), so the figure is
// per core whatever else the machine is doing.
func runSpeed(ctx context.Context, cfg config, syss []system) error {
	all, _ := bench.All(cfg.root)
	sw := newSweeper(cfg.cacheDir, cfg.skewSNR, cfg.batch)
	path := filepath.Join(cfg.cacheDir, "speed.wav")
	desc, sent, err := speedRecording(ctx, cfg, sw, all, path)
	if err != nil {
		return err
	}
	bin, err := buildWarble(ctx, cfg)
	if err != nil {
		return err
	}
	audio := cfg.speedMin * 60
	const repeats = 5
	res := speedResult{Seconds: audio, Contents: desc, Measured: time.Now().UTC().Format(time.RFC3339), Repeats: repeats, GoVersion: goVersion()}
	for _, s := range all {
		if n := len(sent[s.Key]); n > 0 {
			res.Sent = append(res.Sent, fmt.Sprintf("%d of %s", n, s.Name))
		}
	}
	countLines := func(b []byte) int { return bytes.Count(b, []byte("\n")) }
	type proc struct {
		decoder, cmdline, dir, name string
		args                        []string
		found                       func([]byte) int
	}
	procs := []proc{
		{"warble (auto: every profile)", "warble decode speed.wav", cfg.root, bin, []string{"decode", path}, countLines},
		{"warble audible", "warble decode -profile audible speed.wav", cfg.root, bin, []string{"decode", "-profile", "audible", path}, countLines},
	}
	for _, name := range []string{"ggwave-fastest"} {
		if _, err := modem.Lookup(name); err == nil {
			procs = append(procs, proc{"warble " + name, "warble decode -profile " + name + " speed.wav", cfg.root, bin, []string{"decode", "-profile", name, path}, countLines})
		}
	}
	peerDir := os.Getenv(peers.GGWaveDirEnv)
	if peers.GGWaveAvailable() == nil {
		procs = append(procs, proc{"ggwave (every protocol)", "node ggwave-cli.js decode speed.wav", peerDir, "node", []string{"ggwave-cli.js", "decode", path}, countLines})
	}
	if peers.MinimodemAvailable() == nil {
		for _, baud := range []int{300, 1200} {
			b := strconv.Itoa(baud)
			want := sent["minimodem-"+b]
			procs = append(procs, proc{"minimodem " + b, "minimodem --rx --quiet --file speed.wav " + b, cfg.root, "minimodem", []string{"--rx", "--quiet", "--file", path, b},
				func(out []byte) int { return heard{Raw: out}.Count(want) }})
		}
	}
	for _, p := range procs {
		var us []usage
		var out []byte
		for range repeats {
			o, u, err := measured(ctx, p.dir, nil, p.name, p.args...)
			if err != nil {
				return fmt.Errorf("speed: %s: %w", p.decoder, err)
			}
			out = o
			us = append(us, u)
		}
		u := medianUsage(us)
		res.Rows = append(res.Rows, speedRow{Decoder: p.decoder, How: "process", Command: p.cmdline, Found: p.found(out),
			Wall: u.Wall, CPU: u.CPU, XRT: audio / u.CPU, MaxRSSKB: u.MaxRSS})
		logf("speed: %s: %.0f× real time (CPU %.2f s, wall %.2f s), %d KB", p.decoder, audio/u.CPU, u.CPU, u.Wall, u.MaxRSS)
	}
	if peers.GGWaveAvailable() == nil {
		var ts []float64
		for range repeats {
			out, _, err := measured(ctx, peerDir, nil, "node", "ggwave-cli.js", "decode-speed", path)
			if err != nil {
				return fmt.Errorf("speed: ggwave decode-speed: %w", err)
			}
			t, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
			if err != nil {
				return fmt.Errorf("speed: ggwave decode-speed printed %q", out)
			}
			ts = append(ts, t)
		}
		t := median(ts)
		res.Rows = append(res.Rows, speedRow{Decoder: "ggwave (every protocol)", How: "in node (decode calls only)", Command: "node ggwave-cli.js decode-speed speed.wav",
			Found: -1, Wall: t, CPU: t, XRT: audio / t})
	}
	// In process: the receiver alone, fed 4096-sample chunks.
	samples, _, err := readWAVFile(path)
	if err != nil {
		return err
	}
	inproc := []struct {
		name string
		ps   []modem.Profile
	}{{"warble (auto: every profile)", nil}, {"warble (native profiles: audible, fast, ultrasonic)", modem.Profiles()}, {"warble audible", []modem.Profile{modem.Audible}}}
	for _, c := range inproc {
		rx, err := modem.NewReceiver(rate, c.ps...)
		if err != nil {
			return err
		}
		var cpu, wall []float64
		found := 0
		for range repeats {
			rx.Reset()
			var fr []modem.Frame
			c0, w0 := cpuSeconds(), time.Now()
			for i := 0; i < len(samples); i += 4096 {
				fr = rx.Receive(fr, samples[i:min(i+4096, len(samples))])
			}
			fr = rx.Flush(fr)
			cpu = append(cpu, cpuSeconds()-c0)
			wall = append(wall, time.Since(w0).Seconds())
			found = len(fr)
		}
		t := median(cpu)
		res.Rows = append(res.Rows, speedRow{Decoder: c.name, How: "in process", Command: "modem.Receiver, 4096-sample chunks", Found: found,
			Wall: median(wall), CPU: t, XRT: audio / t})
		logf("speed: %s in process: %.0f× real time", c.name, audio/t)
	}
	return saveResult(cfg, "speed", res)
}

func readWAVFile(path string) ([]float32, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	return wav.ReadAll(bufio.NewReaderSize(f, 1<<20))
}

// cpuSeconds is the CPU time (user + system) this process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// medianUsage takes the run of median CPU time.
func medianUsage(us []usage) usage {
	s := slices.Clone(us)
	slices.SortFunc(s, func(a, b usage) int { return cmpFloat(a.CPU, b.CPU) })
	return s[len(s)/2]
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// memoryResult is warble's cost decoding one long recording from a pipe,
// once per command.
type memoryResult struct {
	Minutes  float64     `json:"minutes"`
	Contents string      `json:"contents"`
	Sent     int         `json:"sent"`
	Rows     []memoryRow `json:"rows"`
}

type memoryRow struct {
	Command  string  `json:"command"`
	Found    int     `json:"found"`
	CPU      float64 `json:"cpu_s"`
	Wall     float64 `json:"wall_s"`
	XRT      float64 `json:"x_realtime"`
	MaxRSSKB int64   `json:"max_rss_kb"`
}

// runMemory pipes a long recording (noise with a warble audible burst every
// minute, +3 dB) into 'warble decode -', listening for every profile and
// for audible alone, as it is generated, and records each process's peak
// resident memory: warble streams, so it should not grow with the length
// of the file.
func runMemory(ctx context.Context, cfg config) error {
	bin, err := buildWarble(ctx, cfg)
	if err != nil {
		return err
	}
	res := memoryResult{Minutes: cfg.memoryMin,
		Contents: fmt.Sprintf("%.0f minutes at 48 kHz, 16-bit: white Gaussian noise (σ = 0.05), a warble audible burst at +3 dB every minute", cfg.memoryMin)}
	for _, args := range [][]string{{"decode", "-"}, {"decode", "-profile", "audible", "-"}} {
		pr, pw := io.Pipe()
		sent := make(chan int, 1)
		go func() { sent <- longRecording(pw, cfg.memoryMin) }()
		cmdline := "warble " + strings.Join(args, " ")
		logf("memory: %s on %.0f minutes from a pipe", cmdline, cfg.memoryMin)
		out, u, err := measured(ctx, cfg.root, pr, bin, args...)
		pr.Close()
		res.Sent = <-sent
		if err != nil {
			return fmt.Errorf("memory: %w", err)
		}
		row := memoryRow{Command: cmdline, Found: bytes.Count(out, []byte("\n")), CPU: u.CPU, Wall: u.Wall,
			XRT: cfg.memoryMin * 60 / u.CPU, MaxRSSKB: u.MaxRSS}
		res.Rows = append(res.Rows, row)
		logf("memory: %s: peak %d KB, %d/%d frames, %.0f× real time", cmdline, u.MaxRSS, row.Found, res.Sent, row.XRT)
	}
	return saveResult(cfg, "memory", res)
}

// longRecording writes the memory test's recording to pw as a WAV stream
// and returns the number of bursts in it.
func longRecording(pw *io.PipeWriter, minutes float64) int {
	enc, err := modem.NewEncoder(modem.Audible, rate)
	if err != nil {
		pw.CloseWithError(err)
		return 0
	}
	burst, err := enc.Encode(nil, payload(0))
	if err != nil {
		pw.CloseWithError(err)
		return 0
	}
	const sigma = 0.05
	g := float32(math.Sqrt(sigma * sigma * math.Pow(10, 3.0/10) / channel.Power(burst, channel.Span{})))
	total := int64(minutes * 60 * rate)
	sent := 0
	w := bufio.NewWriterSize(pw, 1<<16)
	w.Write(wavHeader16(total))
	rng := rand.New(rand.NewPCG(7, 8))
	block := make([]float32, 60*rate)
	b := make([]byte, 2*len(block))
	for done := int64(0); done < total; {
		n := int(min(int64(len(block)), total-done))
		x := channel.Noise(block[:0], n, sigma, rng)
		if n > 2*rate+len(burst) {
			for i, v := range burst {
				x[rate+i] += g * v
			}
			sent++
		}
		for i, v := range x {
			q := int16(max(-32768, min(32767, math.Round(float64(v)*32768))))
			b[2*i], b[2*i+1] = byte(q), byte(uint16(q)>>8)
		}
		if _, err := w.Write(b[:2*n]); err != nil {
			pw.CloseWithError(err)
			return sent
		}
		done += int64(n)
	}
	pw.CloseWithError(w.Flush())
	return sent
}

// wavHeader16 is the 44-byte header of a mono 16-bit PCM WAV file of n
// samples at rate.
func wavHeader16(n int64) []byte {
	size := uint32(min(2*n, math.MaxUint32-36))
	b := make([]byte, 0, 44)
	b = append(b, "RIFF"...)
	b = le32(b, 36+size)
	b = append(b, "WAVEfmt "...)
	b = le32(b, 16)
	b = le16(b, 1)
	b = le16(b, 1)
	b = le32(b, rate)
	b = le32(b, 2*rate)
	b = le16(b, 2)
	b = le16(b, 16)
	b = append(b, "data"...)
	return le32(b, size)
}

func le32(b []byte, v uint32) []byte { return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24)) }
func le16(b []byte, v uint16) []byte { return append(b, byte(v), byte(v>>8)) }

func goVersion() string { return runtime.Version() }
