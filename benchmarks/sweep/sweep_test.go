package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"warble/benchmarks/internal/bench"

	"warble/internal/peers"
)

// TestSmoke runs every part of the sweep on two SNR points, two skew points
// and two trials, with seconds-long recordings, into a temporary directory;
// then again, to see it resume from the cache.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("the sweep's smoke test builds and runs warble and the peers")
	}
	dir := t.TempDir()
	cache, out := filepath.Join(dir, "cache"), filepath.Join(dir, "out")
	systems := "warble-audible"
	if peers.MinimodemAvailable() == nil {
		systems += ",minimodem-1200"
	}
	root, err := bench.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "benchmarks", "peers", "node_modules", "ggwave")); err == nil {
		systems += ",ggwave-fastest"
	} else {
		t.Log("ggwave left out: benchmarks/peers not installed (scripts/setup-bench.sh)")
	}
	args := []string{"-install=false", "-cache", cache, "-out", out, "-systems", systems,
		"-snr", "-12,0", "-coarse", "2", "-trials", "2", "-skew", "0,1", "-skew-trials", "2", "-codec-trials", "2",
		"-speed-minutes", "0.05", "-memory-minutes", "0.1", "-false-minutes", "0.05"}
	if err := run(args); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "RESULTS.md"))
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	for _, want := range []string{"## Against the targets", "## Summary", "| warble audible | 1.264 s |",
		"## Success against full-band SNR", "| −12 dB |", "## Success against clock skew", "## Decode speed",
		"## Peak memory", "## False frames", "go run ./benchmarks/sweep -cache "} {
		if !strings.Contains(md, want) {
			t.Errorf("RESULTS.md lacks %q:\n%s", want, md)
		}
	}
	if err := codecsAvailable(); err == nil {
		if !strings.Contains(md, "## Through phone-line codecs") || !strings.Contains(md, "| AMR-NB 12.2 kbit/s | GSM 06.10 | Opus 8 kbit/s |") {
			t.Errorf("RESULTS.md lacks the codec table:\n%s", md)
		}
	} else {
		t.Logf("codecs left out: %v", err)
	}
	for _, png := range []string{"snr-audible.png", "skew-audible.png", "spectrogram-audible.png", "spectrogram-fast.png", "spectrogram-ultrasonic.png"} {
		fi, err := os.Stat(filepath.Join(out, "plots", png))
		if err != nil || fi.Size() < 1000 {
			t.Errorf("plot %s: %v", png, err)
		}
	}
	var tl tally
	tb, err := os.ReadFile(filepath.Join(cache, "snr", "warble-audible", "0.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(tb, &tl); err != nil || tl.Trials != 2 || tl.OK != 2 {
		t.Errorf("warble audible at 0 dB: tally %s, want 2 of 2", tb)
	}
	var sp speedResult
	if !loadResult(config{cacheDir: cache}, "speed", &sp) || len(sp.Rows) < 4 {
		t.Errorf("speed results: %+v", sp)
	}
	for _, row := range sp.Rows {
		if !(row.XRT > 0) || math.IsInf(row.XRT, 0) {
			t.Errorf("speed row %+v", row)
		}
	}
	var mem memoryResult
	if !loadResult(config{cacheDir: cache}, "memory", &mem) || len(mem.Rows) != 2 || mem.Sent < 1 {
		t.Errorf("memory results: %+v", mem)
	}
	for _, row := range mem.Rows {
		if row.MaxRSSKB <= 0 || row.Found != mem.Sent {
			t.Errorf("memory row %+v: want a peak and all %d frames", row, mem.Sent)
		}
	}

	// A second run of some parts finds every point in the cache and
	// writes the same tables, the other parts' from the cache.
	if err := run(append(args, "-only", "snr,skew")); err != nil {
		t.Fatal(err)
	}
	b2, err := os.ReadFile(filepath.Join(out, "RESULTS.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"## Success against full-band SNR", "## Decode speed", "## False frames"} {
		if cut(string(b2), h) != cut(md, h) {
			t.Errorf("second run changed the section %q", h)
		}
	}
}

// cut returns s from the heading to the next one.
func cut(s, heading string) string {
	_, after, _ := strings.Cut(s, heading)
	before, _, _ := strings.Cut(after, "\n## ")
	return before
}

func TestThreshold(t *testing.T) {
	snrs := []float64{-3, -2, -1, 0}
	mk := func(ok ...int) []tally {
		var ts []tally
		for _, k := range ok {
			ts = append(ts, tally{Trials: 100, OK: k})
		}
		return ts
	}
	cases := []struct {
		ts   []tally
		q    float64
		want float64
	}{
		{mk(0, 50, 100, 100), 0.9, -1.2},
		{mk(0, 50, 100, 100), 0.99, -1.02},
		{mk(100, 100, 100, 100), 0.9, math.Inf(-1)},
		{mk(0, 0, 10, 80), 0.9, math.Inf(1)},
		{mk(0, 95, 80, 100), 0.9, -1 + 0.1/0.2},
		{[]tally{{}, {}, {}, {}}, 0.9, math.NaN()},
	}
	for _, c := range cases {
		got := threshold(snrs, c.ts, c.q)
		if !(math.Abs(got-c.want) < 1e-9 || got == c.want || (math.IsNaN(got) && math.IsNaN(c.want))) {
			t.Errorf("threshold(%v, %g) = %g, want %g", c.ts, c.q, got, c.want)
		}
	}
}

func TestFinePoints(t *testing.T) {
	nan := math.NaN()
	got := finePoints([]float64{0, 0, 0, 0.3, 1, 0.95, 1, 1, 1, 1})
	want := []int{2, 3, 4, 5, 6, 7}
	if len(got) != len(want) {
		t.Fatalf("finePoints = %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("finePoints = %v, want %v", got, want)
		}
	}
	if got := finePoints([]float64{nan, 0, 1, 1}); len(got) != 3 || got[0] != 1 {
		t.Errorf("from the point below the lowest success: %v, want [1 2 3]", got)
	}
	if got := finePoints([]float64{0, 0, 0}); len(got) != 0 {
		t.Errorf("never: %v, want none", got)
	}
	if got := finePoints([]float64{1, 1, 1}); len(got) != 0 {
		t.Errorf("all perfect: %v, want none", got)
	}
	if n := fineTrials(0.5, 40, 400); n != 385 {
		t.Errorf("fineTrials(0.5) = %d, want 385", n)
	}
	if n := fineTrials(0.97, 40, 400); n != 100 {
		t.Errorf("fineTrials(0.97) = %d, want 100", n)
	}
}

func TestParseArgs(t *testing.T) {
	for _, bad := range [][]string{{"-only", "nope"}, {"-snr", "3:-3"}, {"-skew", "x"}, {"-trials", "0"}, {"extra"}} {
		if _, err := parseArgs(bad); err == nil {
			t.Errorf("parseArgs(%v): no error", bad)
		}
	}
	cfg, err := parseArgs([]string{"-snr", "-2:1", "-only", "snr,plots"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.snrs) != 4 || cfg.snrs[0] != -2 || !cfg.only["snr"] || cfg.only["speed"] {
		t.Errorf("cfg %+v", cfg)
	}
}
