// Command rooms measures how far each acoustic modem reaches in simulated
// rooms: the success rate against distance of warble's profiles (every one
// modem.Profiles returns), ggwave's protocols through ggwave's own decoder
// and through warble's receiver, and minimodem, with the room simulator of
// internal/channel (image-source shoebox rooms, levels in dB SPL, ambient
// sound in dB(A), loudspeaker and microphone responses).
//
// Run it from the repository root:
//
//	go run ./benchmarks/rooms            # every named room and condition; prints markdown
//	go run ./benchmarks/rooms -update    # … and rewrites the "Rooms" section of benchmarks/RESULTS.md and its plots
//	go run ./benchmarks/rooms -quick     # a smoke test: one room, three distances, a few trials
//	go run ./benchmarks/rooms -update -report benchmarks/cache/rooms.json   # redraw from the last run's tallies
//
// or ask about one room:
//
//	go run ./benchmarks/rooms -room 5x4x2.5 -rt60 0.5s -distance 3 -spl 65 -ambient babble -dba 45
//
// Each trial is one random 16-byte payload (from a seeded pool per
// system), placed 0.3–1.3 s into a recording with 0.5 s after it, played
// by the loudspeaker at -spl dB SPL (at 1 m) and heard -distance metres
// away with the ambient sound at -dba dB(A). A trial succeeds only when the
// exact payload comes out; any other payload a receiver reports is counted
// as wrong. The headline figure is the range at 95%: the farthest distance
// at which a system decodes at least 95% of its trials. Distances run from
// the nearest up; a system that decodes nothing at two distances in a row
// is not tried farther (and counts as 0 there).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"warble/benchmarks/internal/bench"
	"warble/internal/channel"
)

// config is the command line.
type config struct {
	root      string
	rooms     []channel.Room
	distances []float64 // nil: each room's default distances
	conds     []condition
	mic       channel.Response
	trials    int
	systems   string
	seed      uint64
	jobs      int
	update    bool
	out       string // directory holding RESULTS.md and plots/
	install   bool
	command   string
	save      string // where the tallies are kept
	report    string // if set, the saved tallies to report instead of measuring
}

// condition is what is varied within a room: the loudspeaker's level and
// response, and the ambient sound.
type condition struct {
	SPL     float64
	Ambient channel.Ambient
	DBA     float64
	Speaker channel.Response
}

func (c condition) String() string {
	s := fmt.Sprintf("%g dB SPL, ", c.SPL)
	if c.Ambient == channel.AmbientNone {
		s += "no ambient"
	} else {
		s += fmt.Sprintf("%g dB(A) %s", c.DBA, c.Ambient)
	}
	if c.Speaker.Name != channel.Flat.Name {
		s += ", " + c.Speaker.Name
	}
	return s
}

// defaultDistances are tried in each room up to its far wall, which is
// tried too.
var defaultDistances = []float64{0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20}

// distancesFor returns the distances tried in room r.
func (cfg config) distancesFor(r channel.Room) []float64 {
	far := math.Floor(r.MaxDistanceM()*10) / 10
	if cfg.distances != nil {
		return cfg.distances
	}
	var out []float64
	for _, d := range defaultDistances {
		if d <= far-0.2 {
			out = append(out, d)
		}
	}
	return append(out, far)
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "rooms: error: %v\n", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a bad command line.
type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

func run(args []string) error {
	cfg, err := parseArgs(args)
	if err != nil {
		return usageError{err}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	if cfg.report == "" {
		if err := bench.InstallGGWave(ctx, cfg.root, cfg.install, logf); err != nil {
			logf("%v", err)
		}
	}
	var res *results
	if cfg.report != "" {
		if res, err = load(&cfg, cfg.report); err != nil {
			return err
		}
	} else {
		all, notes := bench.All(cfg.root)
		for _, n := range notes {
			logf("%s", n)
		}
		syss, err := selectSystems(all, cfg.systems)
		if err != nil {
			return usageError{err}
		}
		if res, err = measure(ctx, cfg, syss); err != nil {
			return err
		}
		res.notes = notes
		res.elapsed = time.Since(start)
		if err := res.save(cfg, cfg.save); err != nil {
			return err
		}
		logf("tallies saved in %s (-report %s redraws from them)", cfg.save, cfg.save)
	}
	md := res.markdown(cfg)
	if !cfg.update {
		fmt.Print(md)
		return nil
	}
	if err := res.writePlots(cfg); err != nil {
		return err
	}
	path := filepath.Join(cfg.out, "RESULTS.md")
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.WriteFile(path, []byte(bench.ReplaceSection(string(old), "## Rooms", md)), 0o644); err != nil {
		return err
	}
	logf("done in %s; wrote the Rooms section of %s", time.Since(start).Round(time.Second), path)
	return nil
}

// defaultSystems are run when -systems is not given: every native warble
// profile, ggwave's normal, fastest and ultrasonic fastest protocols
// through both decoders, and minimodem.
func defaultSystems(s bench.System) bool {
	switch {
	case s.Family == "warble" && s.Signal == s.Key: // a native profile
		return true
	case s.Family == "minimodem":
		return true
	}
	for _, p := range []string{"normal", "fastest", "u-fastest"} {
		if s.Key == "ggwave-"+p || s.Key == "warble-rx-ggwave-"+p {
			return true
		}
	}
	return false
}

func selectSystems(all []bench.System, patterns string) ([]bench.System, error) {
	switch patterns {
	case "":
		var out []bench.System
		for _, s := range all {
			if defaultSystems(s) {
				out = append(out, s)
			}
		}
		return out, nil
	case "all":
		return all, nil
	}
	return bench.Select(all, patterns)
}

func parseArgs(args []string) (config, error) {
	fs := flag.NewFlagSet("rooms", flag.ContinueOnError)
	room := fs.String("room", "small-office,living-room,hall", "rooms, comma-separated: small-office, living-room, hall, or LxWxH in metres (with -rt60)")
	rt60 := fs.Duration("rt60", 0, "reverberation time of every room (required for LxWxH rooms)")
	distance := fs.String("distance", "", "distances in metres, comma-separated (default 0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, … up to each room's far wall)")
	spl := fs.String("spl", "60,70", "loudspeaker levels at 1 m, dB SPL, comma-separated")
	ambient := fs.String("ambient", "pink,babble,music", "ambient sounds, comma-separated: none, pink, babble, music")
	dba := fs.String("dba", "35,50,55", "ambient levels in dB(A) SPL, one per -ambient (or one for all)")
	speaker := fs.String("speaker", "flat,phone-speaker", "loudspeaker responses, comma-separated: flat, phone-speaker, laptop-mic, phone-mic, headset")
	mic := fs.String("mic", "flat", "microphone response (as -speaker)")
	trials := fs.Int("trials", 8, "trials per system, condition and distance")
	systems := fs.String("systems", "", "systems to run: comma-separated key patterns (warble-audible, ggwave-*, minimodem-300, …), or all (default: warble's profiles, ggwave normal, fastest and u-fastest through both decoders, minimodem)")
	seed := fs.Uint64("seed", 1, "seed of the payloads, placements and ambient sound")
	jobs := fs.Int("jobs", runtime.NumCPU(), "parallel workers")
	quick := fs.Bool("quick", false, "smoke test: the small office, 0.5, 1 and 2 m, 70 dB SPL, 35 dB(A) pink, 3 trials (flags given explicitly still apply)")
	update := fs.Bool("update", false, "rewrite the Rooms section of <out>/RESULTS.md and the plots in <out>/plots instead of printing the markdown")
	out := fs.String("out", "benchmarks", "directory of RESULTS.md and plots/, relative to the repository root")
	install := fs.Bool("install", true, "install ggwave with npm ci in benchmarks/peers if needed")
	save := fs.String("save", "benchmarks/cache/rooms.json", "file to keep the run's tallies in, relative to the repository root")
	report := fs.String("report", "", "report the tallies saved in this file (by -save, with the same flags) instead of measuring")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *quick {
		for name, v := range map[string]string{"room": "small-office", "distance": "0.5,1,2", "spl": "70", "ambient": "pink", "dba": "35", "speaker": "flat", "trials": "3"} {
			if !set[name] {
				if err := fs.Set(name, v); err != nil {
					return config{}, err
				}
			}
		}
	}

	root, err := bench.ModuleRoot()
	if err != nil {
		return config{}, err
	}
	cfg := config{root: root, trials: *trials, systems: *systems, seed: *seed, jobs: *jobs, update: *update, install: *install}
	cfg.out = *out
	if !filepath.IsAbs(cfg.out) {
		cfg.out = filepath.Join(root, cfg.out)
	}
	cfg.save, cfg.report = underRoot(root, *save), *report
	if cfg.report != "" {
		cfg.report = underRoot(root, cfg.report)
	}
	cfg.command = "go run ./benchmarks/rooms " + strings.Join(args, " ")
	if cfg.trials < 1 {
		return config{}, fmt.Errorf("-trials %d is not positive", cfg.trials)
	}
	if cfg.jobs < 1 {
		return config{}, fmt.Errorf("-jobs %d is not positive", cfg.jobs)
	}
	for _, name := range splitList(*room) {
		r, err := channel.LookupRoom(name)
		if err != nil {
			size, perr := channel.ParseRoomSize(name)
			if perr != nil {
				return config{}, fmt.Errorf("-room %q is neither a named room nor LxWxH in metres", name)
			}
			if !set["rt60"] {
				return config{}, fmt.Errorf("-room %s needs -rt60", name)
			}
			r = channel.Room{Name: name, SizeM: size}
		}
		if set["rt60"] {
			r.RT60 = *rt60
		}
		if err := r.Validate(); err != nil {
			return config{}, err
		}
		cfg.rooms = append(cfg.rooms, r)
	}
	if len(cfg.rooms) == 0 {
		return config{}, errors.New("-room names no room")
	}
	if *distance != "" {
		if cfg.distances, err = parseFloats("-distance", *distance); err != nil {
			return config{}, err
		}
		slices.Sort(cfg.distances)
		for _, r := range cfg.rooms {
			for _, d := range cfg.distances {
				if _, _, err := r.Positions(d); err != nil {
					return config{}, err
				}
			}
		}
	}
	spls, err := parseFloats("-spl", *spl)
	if err != nil {
		return config{}, err
	}
	dbas, err := parseFloats("-dba", *dba)
	if err != nil {
		return config{}, err
	}
	var ambients []channel.Ambient
	for _, a := range splitList(*ambient) {
		amb, err := channel.ParseAmbient(a)
		if err != nil {
			return config{}, err
		}
		ambients = append(ambients, amb)
	}
	if len(dbas) != 1 && len(dbas) != len(ambients) {
		return config{}, fmt.Errorf("-dba has %d levels for %d ambient sounds (give one, or one each)", len(dbas), len(ambients))
	}
	var speakers []channel.Response
	for _, name := range splitList(*speaker) {
		r, err := channel.LookupResponse(name)
		if err != nil {
			return config{}, err
		}
		speakers = append(speakers, r)
	}
	if cfg.mic, err = channel.LookupResponse(*mic); err != nil {
		return config{}, err
	}
	for _, sp := range speakers {
		for _, level := range spls {
			for i, a := range ambients {
				d := dbas[0]
				if len(dbas) > 1 {
					d = dbas[i]
				}
				c := condition{SPL: level, Ambient: a, DBA: d, Speaker: sp}
				sc := channel.Scene{Room: cfg.rooms[0], DistanceM: cfg.distancesFor(cfg.rooms[0])[0], SpeakerSPL: c.SPL, Ambient: c.Ambient, AmbientDBA: c.DBA, Speaker: c.Speaker, Mic: cfg.mic}
				if err := sc.Validate(bench.Rate); err != nil {
					return config{}, err
				}
				cfg.conds = append(cfg.conds, c)
			}
		}
	}
	if len(cfg.conds) == 0 {
		return config{}, errors.New("no conditions: -spl, -ambient and -speaker must each name at least one")
	}
	return cfg, nil
}

func underRoot(root, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(root, path)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func parseFloats(name, s string) ([]float64, error) {
	var out []float64
	for _, f := range splitList(s) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s: %q is not a number", name, f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s is empty", name)
	}
	return out, nil
}

// logf reports progress on standard error.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "rooms: "+format+"\n", args...)
}
