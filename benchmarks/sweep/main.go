// Command sweep puts warble and the real peers — ggwave (npm ggwave@0.4.0
// under node, every protocol) and minimodem (300 and 1200 baud) — through
// the same channel simulator (internal/channel) and writes
// benchmarks/RESULTS.md and the plots in benchmarks/plots:
//
//   - success against full-band SNR (16-byte payload, −24 to +3 dB in 1 dB
//     steps), and the SNR each system needs for 90% and 99%;
//   - success against the transmitter's clock skew (0 to ±3%);
//   - success through phone-line speech codecs (AMR-NB 12.2 kbit/s, GSM
//     06.10, Opus 8 kbit/s) at +10 dB;
//   - the airtime of each system's 16-byte transmission;
//   - decode speed in × real time of each system on the same 5-minute
//     recording, as a whole process and, for warble, in process;
//   - warble's peak memory decoding a one-hour recording;
//   - false frames per hour of noise, of speech (espeak-ng) and of a
//     music-like signal.
//
// Run it from the repository root:
//
//	go run ./benchmarks/sweep
//
// It installs ggwave with npm ci in benchmarks/peers, reports progress on
// standard error, and keeps each point's tally in benchmarks/cache (git
// ignores it), so an interrupted sweep resumes where it stopped; -fresh
// starts over. -only runs some parts (for example -only speed) and still
// regenerates RESULTS.md from every part's latest results.
//
// Trials: every SNR point gets -coarse trials (40) first. The transition,
// from the point below the lowest that ever succeeded to two points above
// the highest imperfect one, then gets at least 100 trials per point, and
// as many as put the 95% confidence interval of its success rate within
// ±5% (1.96²·p(1−p)/0.05² from the estimate p so far; at most -trials,
// 400). The transitions, where the thresholds lie, carry the precision; the
// far points stay cheap.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"warble/benchmarks/internal/bench"
)

// config is the command line.
type config struct {
	root        string // module root
	cacheDir    string
	outDir      string
	only        map[string]bool
	snrs        []float64
	skews       []float64
	trials      int
	coarse      int
	skewTrials  int
	skewSNR     float64
	codecTrials int
	codecSNR    float64
	systems     string
	batch       int
	jobs        int
	fresh       bool
	install     bool    // npm ci in benchmarks/peers when needed
	speedMin    float64 // length of the speed recording, minutes
	memoryMin   float64 // length of the memory recording, minutes
	falseMin    float64 // length of each false-frame recording, minutes
	command     string  // the command line, for RESULTS.md
}

var parts = []string{"snr", "skew", "codec", "airtime", "speed", "memory", "false", "plots"}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "sweep: error: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cfg, err := parseArgs(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return sweep(ctx, cfg)
}

func parseArgs(args []string) (config, error) {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	cache := fs.String("cache", "benchmarks/cache", "directory for per-point results (relative to the repository root)")
	out := fs.String("out", "benchmarks", "directory for RESULTS.md and plots/ (relative to the repository root)")
	only := fs.String("only", "", "comma-separated parts to run: "+strings.Join(parts, ", ")+" (default all)")
	snr := fs.String("snr", "-24:3", "SNR points in dB: LO:HI in 1 dB steps, or a comma-separated list")
	skew := fs.String("skew", "-3,-2.5,-2,-1.5,-1,-0.5,-0.4,-0.3,-0.2,-0.1,0,0.1,0.2,0.3,0.4,0.5,1,1.5,2,2.5,3", "clock skew points in percent")
	trials := fs.Int("trials", 400, "most trials at an SNR point near a system's threshold")
	coarse := fs.Int("coarse", 40, "trials at every SNR point first")
	skewTrials := fs.Int("skew-trials", 20, "trials per skew point")
	skewSNR := fs.Float64("skew-snr", 6, "full-band SNR of the skew sweep, dB")
	codecTrials := fs.Int("codec-trials", 40, "trials per system and codec")
	codecSNR := fs.Float64("codec-snr", 10, "full-band SNR of the noise before the codecs, dB")
	systems := fs.String("systems", "", "comma-separated system keys or patterns (warble-*, ggwave-fastest, minimodem-1200); default all")
	batch := fs.Int("batch", 40, "trials joined into one recording per peer process call")
	jobs := fs.Int("j", 2, "points run at once")
	fresh := fs.Bool("fresh", false, "forget the cached tallies and start over")
	install := fs.Bool("install", true, "install ggwave with npm ci in benchmarks/peers when it is missing or stale")
	speedMin := fs.Float64("speed-minutes", 5, "length of the decode-speed recording, minutes")
	memoryMin := fs.Float64("memory-minutes", 60, "length of the peak-memory recording, minutes")
	falseMin := fs.Float64("false-minutes", 60, "length of each false-frame recording (noise, speech, music), minutes")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	root, err := bench.ModuleRoot()
	if err != nil {
		return config{}, err
	}
	cfg := config{
		root: root, cacheDir: underRoot(root, *cache), outDir: underRoot(root, *out),
		trials: *trials, coarse: *coarse, skewTrials: *skewTrials, skewSNR: *skewSNR,
		codecTrials: *codecTrials, codecSNR: *codecSNR,
		systems: *systems, batch: *batch, jobs: max(*jobs, 1), fresh: *fresh, install: *install,
		speedMin: *speedMin, memoryMin: *memoryMin, falseMin: *falseMin,
		only: map[string]bool{},
	}
	// The command that regenerates everything: the flags that change
	// results, not those that choose parts or how the work is run.
	cfg.command = "go run ./benchmarks/sweep"
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "only", "fresh", "j", "install":
			return
		}
		cfg.command += " -" + f.Name + " " + f.Value.String()
	})
	if *only == "" {
		for _, p := range parts {
			cfg.only[p] = true
		}
	} else {
		for _, p := range strings.Split(*only, ",") {
			p = strings.TrimSpace(p)
			if !slices.Contains(parts, p) {
				return config{}, fmt.Errorf("-only: unknown part %q (want %s)", p, strings.Join(parts, ", "))
			}
			cfg.only[p] = true
		}
	}
	if cfg.snrs, err = parseRange(*snr); err != nil {
		return config{}, fmt.Errorf("-snr: %v", err)
	}
	if cfg.skews, err = parseRange(*skew); err != nil {
		return config{}, fmt.Errorf("-skew: %v", err)
	}
	switch {
	case cfg.trials < 1 || cfg.coarse < 1 || cfg.skewTrials < 1 || cfg.codecTrials < 1:
		return config{}, errors.New("-trials, -coarse, -skew-trials and -codec-trials must be at least 1")
	case cfg.speedMin <= 0 || cfg.memoryMin <= 0 || cfg.falseMin <= 0:
		return config{}, errors.New("-speed-minutes, -memory-minutes and -false-minutes must be positive")
	}
	cfg.coarse = min(cfg.coarse, cfg.trials)
	return cfg, nil
}

// parseRange reads "LO:HI" (1-unit steps) or a comma-separated list.
func parseRange(s string) ([]float64, error) {
	if lo, hi, ok := strings.Cut(s, ":"); ok {
		a, err1 := strconv.ParseFloat(lo, 64)
		b, err2 := strconv.ParseFloat(hi, 64)
		if err1 != nil || err2 != nil || a > b || b-a > 1000 {
			return nil, fmt.Errorf("bad range %q", s)
		}
		var out []float64
		for v := a; v <= b+1e-9; v++ {
			out = append(out, v)
		}
		return out, nil
	}
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, fmt.Errorf("bad value %q", f)
		}
		out = append(out, v)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func underRoot(root, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(root, p)
}

// logf reports progress on standard error.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "sweep: "+format+"\n", args...)
}

func sweep(ctx context.Context, cfg config) error {
	start := time.Now()
	if err := os.MkdirAll(cfg.cacheDir, 0o755); err != nil {
		return err
	}
	if cfg.fresh {
		if err := clearCache(cfg.cacheDir); err != nil {
			return err
		}
	}
	var notes []string
	if err := bench.InstallGGWave(ctx, cfg.root, cfg.install, logf); err != nil {
		notes = append(notes, "ggwave could not be installed: "+err.Error())
		logf("%v", err)
	}
	all, more := bench.All(cfg.root)
	notes = append(notes, more...)
	for _, n := range more {
		logf("%s", n)
	}
	syss, err := bench.Select(all, cfg.systems)
	if err != nil {
		return err
	}
	logf("%d systems: %s", len(syss), keys(syss))
	sw := newSweeper(cfg.cacheDir, cfg.skewSNR, cfg.batch)

	if cfg.only["snr"] {
		if err := runSNR(ctx, cfg, sw, syss); err != nil {
			return err
		}
	}
	if cfg.only["skew"] {
		if err := runSkew(ctx, cfg, sw, syss); err != nil {
			return err
		}
	}
	if cfg.only["codec"] {
		if err := runCodec(ctx, cfg, sw, syss); err != nil {
			return err
		}
	}
	if cfg.only["airtime"] {
		if err := runAirtime(ctx, cfg, sw, syss); err != nil {
			return err
		}
	}
	if cfg.only["speed"] {
		if err := runSpeed(ctx, cfg, syss); err != nil {
			return err
		}
	}
	if cfg.only["memory"] {
		if err := runMemory(ctx, cfg); err != nil {
			return err
		}
	}
	if cfg.only["false"] {
		if err := runFalse(ctx, cfg, syss); err != nil {
			return err
		}
	}
	rep, err := buildReport(cfg, sw, syss, notes)
	if err != nil {
		return err
	}
	if cfg.only["plots"] {
		if err := writePlots(cfg, rep); err != nil {
			return err
		}
	}
	if err := writeResults(cfg, rep); err != nil {
		return err
	}
	logf("done in %s; wrote %s", time.Since(start).Round(time.Second), filepath.Join(cfg.outDir, "RESULTS.md"))
	return nil
}

func keys(ss []system) string {
	k := make([]string, len(ss))
	for i, s := range ss {
		k[i] = s.Key
	}
	return strings.Join(k, " ")
}
