package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"warble/benchmarks/internal/bench"
	"warble/internal/channel"
)

// tiny runs the harness on one system in the small office at the given
// distances and condition.
func tiny(t *testing.T, system string, args ...string) (config, *results) {
	t.Helper()
	cfg, err := parseArgs(append([]string{"-install=false", "-room", "small-office", "-speaker", "flat", "-trials", "3", "-jobs", "2"}, args...))
	if err != nil {
		t.Fatal(err)
	}
	all, _ := bench.All(cfg.root)
	syss, err := selectSystems(all, system)
	if err != nil {
		t.Fatal(err)
	}
	res, err := measure(context.Background(), cfg, syss)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, res
}

// TestHarness checks the benchmark end to end: warble's audible profile
// decodes every token at 0.5 m in the small office at 70 dB SPL in a quiet
// room and reports no wrong payload; drowned in 90 dB(A) of pink noise at
// 60 dB SPL it decodes nothing, so the harness can report failure.
func TestHarness(t *testing.T) {
	cfg, res := tiny(t, "warble-audible", "-distance", "0.5", "-spl", "70", "-ambient", "pink", "-dba", "35")
	s := res.systems[0]
	tl := res.tallies[s.Key][cell{0, 0, 0.5}]
	if tl.Trials != 3 || tl.OK != 3 || tl.Wrong != 0 {
		t.Errorf("warble audible at 0.5 m, 70 dB SPL, 35 dB(A) pink: %+v, want 3 of 3 and no wrong payload", tl)
	}
	if d, ok, within := res.rangeAt95(cfg, s, 0, 0); !ok || d != 0.5 || within != 0.5 {
		t.Errorf("range at 95%% = %v, %v, %v; want 0.5 m", d, ok, within)
	}
	md := res.markdown(cfg)
	for _, want := range []string{"## Rooms", "| 70 dB SPL, 35 dB(A) pink | 0.5 |", "| warble audible | 0 | 3 |", "-distance 0.5"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}

	cfg, res = tiny(t, "warble-audible", "-distance", "0.5,1,2", "-spl", "60", "-ambient", "pink", "-dba", "90")
	s = res.systems[0]
	if tl := res.tallies[s.Key][cell{0, 0, 0.5}]; tl.Trials != 3 || tl.OK != 0 {
		t.Errorf("warble audible at 0.5 m, 60 dB SPL under 90 dB(A) pink: %+v, want 0 of 3", tl)
	}
	if tl := res.tallies[s.Key][cell{0, 0, 2}]; tl.Trials != 0 {
		t.Errorf("tried at 2 m after two distances with nothing decoded: %+v", tl)
	}
	if _, ok, _ := res.rangeAt95(cfg, s, 0, 0); ok {
		t.Error("a range at 95% for a system that decoded nothing")
	}
	// -update writes the section and a plot.
	cfg.update = true
	cfg.out = t.TempDir()
	if err := res.writePlots(cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(cfg.out, "plots", "rooms-small-office.png")); err != nil {
		t.Error(err)
	}
	// The saved tallies report the same markdown.
	path := filepath.Join(cfg.out, "rooms.json")
	if err := res.save(cfg, path); err != nil {
		t.Fatal(err)
	}
	cfg2 := cfg
	cfg2.command = "something else"
	res2, err := load(&cfg2, path)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := res.markdown(cfg), res2.markdown(cfg2); a != b {
		t.Errorf("markdown from saved tallies differs:\n%s\n---\n%s", a, b)
	}
}

// TestRangeAt95 checks both ranges: the farthest distance at 95% and the
// farthest up to which every distance reached it.
func TestRangeAt95(t *testing.T) {
	cfg, err := parseArgs([]string{"-install=false", "-room", "living-room", "-distance", "0.5,1,2,3", "-spl", "70", "-ambient", "pink", "-dba", "35", "-speaker", "flat"})
	if err != nil {
		t.Fatal(err)
	}
	s := bench.System{Key: "k", Name: "k"}
	r := &results{systems: []bench.System{s}, tallies: map[string]map[cell]tally{"k": {
		{0, 0, 0.5}: {Trials: 20, OK: 20}, {0, 0, 1}: {Trials: 20, OK: 19}, {0, 0, 2}: {Trials: 20, OK: 18}, {0, 0, 3}: {Trials: 20, OK: 20},
	}}}
	if d, ok, within := r.rangeAt95(cfg, s, 0, 0); !ok || d != 3 || within != 1 {
		t.Errorf("rangeAt95 = %v, %v, %v; want 3, true, 1", d, ok, within)
	}
	if md := r.markdown(cfg); !strings.Contains(md, "| 3 (1) |") {
		t.Errorf("markdown lacks the cell 3 (1):\n%s", md)
	}
}

// TestTrialsShareRecordings checks that a trial is reproducible and that
// the token sits at a random offset.
func TestTrialsShareRecordings(t *testing.T) {
	cfg, err := parseArgs([]string{"-install=false", "-room", "small-office", "-distance", "1", "-spl", "70", "-ambient", "babble", "-dba", "50", "-speaker", "phone-speaker"})
	if err != nil {
		t.Fatal(err)
	}
	m := &measurer{cfg: cfg}
	p, err := channel.Scene{Room: channel.SmallOffice, DistanceM: 1, SpeakerSPL: 70, Ambient: channel.AmbientBabble, AmbientDBA: 50}.Prepare(bench.Rate)
	if err != nil {
		t.Fatal(err)
	}
	tone := make([]float32, 4800)
	for i := range tone {
		tone[i] = float32(i%48) / 48
	}
	payloads := make([][]byte, payloadPool)
	signals := make([][]float32, payloadPool)
	for i := range payloads {
		payloads[i] = []byte{byte(i)}
		signals[i] = tone
	}
	c := cell{0, 0, 1}
	a, pa, err := m.trial(p, "x", c, 0, payloads, signals)
	if err != nil {
		t.Fatal(err)
	}
	b, pb, _ := m.trial(p, "x", c, 0, payloads, signals)
	if len(a) != len(b) || pa[0] != pb[0] || a[len(a)/2] != b[len(b)/2] {
		t.Error("the same trial came out differently")
	}
	lengths := map[int]bool{}
	for i := range 6 {
		y, _, _ := m.trial(p, "x", c, i, payloads, signals)
		lengths[len(y)] = true
	}
	if len(lengths) < 4 {
		t.Errorf("6 trials have only %d recording lengths: the offset is not random", len(lengths))
	}
}

func TestParseArgs(t *testing.T) {
	for _, bad := range [][]string{
		{"-room", "attic"}, {"-room", "5x4x2.5"}, {"-room", "5x4x2.5", "-rt60", "9s"},
		{"-distance", "9"}, {"-distance", "x"}, {"-spl", "300"}, {"-ambient", "traffic"},
		{"-ambient", "pink,babble", "-dba", "1,2,3"}, {"-speaker", "horn"}, {"-trials", "0"}, {"extra"},
	} {
		if _, err := parseArgs(append([]string{"-install=false"}, bad...)); err == nil {
			t.Errorf("parseArgs(%q) accepted", bad)
		}
	}
	cfg, err := parseArgs([]string{"-room", "5x4x2.5", "-rt60", "0.5s", "-distance", "3", "-spl", "65", "-ambient", "babble", "-dba", "45"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.rooms) != 1 || cfg.rooms[0].SizeM != [3]float64{5, 4, 2.5} || cfg.rooms[0].RT60.Seconds() != 0.5 {
		t.Errorf("rooms = %+v", cfg.rooms)
	}
	if len(cfg.conds) != 2 || cfg.conds[0].SPL != 65 || cfg.conds[0].DBA != 45 || cfg.conds[0].Ambient != channel.AmbientBabble {
		t.Errorf("conditions = %+v", cfg.conds)
	}
	cfg, err = parseArgs(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.rooms) != 3 || len(cfg.conds) != 12 {
		t.Errorf("default: %d rooms, %d conditions; want 3 and 12", len(cfg.rooms), len(cfg.conds))
	}
	if ds := cfg.distancesFor(channel.LivingRoom); ds[0] != 0.5 || ds[len(ds)-1] != 5.2 {
		t.Errorf("living room distances %v, want 0.5 … 5.2 (the far wall)", ds)
	}
}
