package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"warble/benchmarks/internal/bench"
	"warble/internal/channel"
)

// rangeAt95 returns the farthest distance in room ri under condition ci at
// which s decoded at least 95% of its trials, and whether there is one.
// within is the farthest up to which every distance tried reached 95%
// (0 if the nearest did not).
func (r *results) rangeAt95(cfg config, s bench.System, ri, ci int) (best float64, ok bool, within float64) {
	unbroken := true
	for _, d := range cfg.distancesFor(cfg.rooms[ri]) {
		t := r.tallies[s.Key][cell{ri, ci, d}]
		if t.Trials > 0 && t.OK*100 >= 95*t.Trials {
			best, ok = d, true
			if unbroken {
				within = d
			}
		} else {
			unbroken = false
		}
	}
	return best, ok, within
}

// headline returns the condition the detail table and plots show: 70 dB
// SPL, babble and the phone speaker if it was run (the design
// case), else the first.
func (cfg config) headline() int {
	for i, c := range cfg.conds {
		if c.SPL == 70 && c.Ambient == channel.AmbientBabble && c.Speaker.Name == channel.PhoneSpeaker.Name {
			return i
		}
	}
	return 0
}

func roomTitle(cfg config, r channel.Room) string {
	ds := cfg.distancesFor(r)
	return fmt.Sprintf("%s (%g×%g×%g m, RT60 %g s; %g … %g m)", r.Name, r.SizeM[0], r.SizeM[1], r.SizeM[2], r.RT60.Seconds(), ds[0], ds[len(ds)-1])
}

// markdown returns the Rooms section.
func (r *results) markdown(cfg config) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("## Rooms\n\n")
	w("How far each system reaches in simulated rooms. Regenerate this section and its plots from the repository root with:\n\n")
	w("```\nbash scripts/setup-peers.sh   # once: minimodem, node (ggwave is installed by npm ci)\n%s\n```\n\n", strings.TrimSpace(cfg.command))
	w("Measured %s on %s/%s, %d CPUs (shared with other work), %s; the run took %s.\n\n",
		r.date.UTC().Format("2006-01-02 15:04 UTC"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), r.elapsed.Round(time.Second))
	w("The rooms are `internal/channel`'s `Scene`: shoebox rooms by the image-source method with the walls' reflection fitted to the room's RT60 (Schroeder T20), the loudspeaker half a metre from one end wall at 1.0 m height and 40%% of the width, the microphone facing it along the long axis, 0.2 m higher. ")
	w("The loudspeaker level is the transmission's RMS at 1 m in dB SPL; the microphone's full scale is a %g dB SPL sine; the ambient level is A-weighted at the microphone (pink noise, speech babble of four espeak-ng voices, or synthesised music with drums). ", channel.DefaultMicFullScaleSPL)
	w("The phone speaker is a 350 Hz 2nd-order highpass; the microphone is %s. ", cfg.mic.Name)
	w("Each trial is a random 16-byte payload placed 0.3–1.3 s into a recording with 0.5 s after it; it succeeds only when the exact payload comes out (minimodem: when it appears whole in what minimodem prints). ")
	w("Each point has %d trials; a system that decodes nothing at two distances in a row is not tried farther. ", cfg.trials)
	w("\"warble ← ggwave X\" is warble's receiver hearing ggwave's own transmissions, the same recordings ggwave's decoder gets.\n\n")
	for _, n := range r.notes {
		w("- Note: %s\n", n)
	}
	if len(r.notes) > 0 {
		w("\n")
	}

	w("### Range at 95%%\n\n")
	w("The farthest distance (m) at which a system decoded at least 95%% of its %d trials (so all of them, with fewer than 20); \"–\": at no distance. In brackets, when it is nearer, the farthest distance up to which every distance tried reached 95%% (\"(–)\": not the nearest): a system that misses nearer and succeeds farther is only as good as the bracket.\n\n", cfg.trials)
	for ri, room := range cfg.rooms {
		w("#### %s\n\n", roomTitle(cfg, room))
		w("| condition |")
		for _, s := range r.systems {
			w(" %s |", s.Name)
		}
		w("\n|---|")
		for range r.systems {
			w("---|")
		}
		w("\n")
		for ci, c := range cfg.conds {
			w("| %s |", c)
			for _, s := range r.systems {
				switch d, ok, within := r.rangeAt95(cfg, s, ri, ci); {
				case !ok:
					w(" – |")
				case within == d:
					w(" %g |", d)
				case within == 0:
					w(" %g (–) |", d)
				default:
					w(" %g (%g) |", d, within)
				}
			}
			w("\n")
		}
		w("\n")
	}

	hc := cfg.headline()
	w("### Success by distance: %s\n\n", cfg.conds[hc])
	w("Payloads decoded of %d at each distance (m); blank: not tried, the system had decoded nothing at two nearer distances.\n\n", cfg.trials)
	for ri, room := range cfg.rooms {
		ds := cfg.distancesFor(room)
		w("#### %s\n\n| system |", roomTitle(cfg, room))
		for _, d := range ds {
			w(" %g |", d)
		}
		w("\n|---|")
		for range ds {
			w("---|")
		}
		w("\n")
		for _, s := range r.systems {
			w("| %s |", s.Name)
			for _, d := range ds {
				if t := r.tallies[s.Key][cell{ri, hc, d}]; t.Trials > 0 {
					w(" %d |", t.OK)
				} else {
					w("  |")
				}
			}
			w("\n")
		}
		w("\n")
		if cfg.update {
			w("![%s](plots/rooms-%s.png)\n\n", room.Name, plotName(room))
		}
	}

	w("### Wrong payloads\n\n")
	w("Payloads a receiver reported that were not the one sent, over every trial above (minimodem has no frames or check, so it has no column here).\n\n")
	w("| system | wrong payloads | trials |\n|---|---|---|\n")
	for _, s := range r.systems {
		if s.Family == "minimodem" {
			continue
		}
		wrong, trials := 0, 0
		for _, t := range r.tallies[s.Key] {
			wrong += t.Wrong
			trials += t.Trials
		}
		w("| %s | %d | %d |\n", s.Name, wrong, trials)
	}
	return b.String()
}

func plotName(r channel.Room) string {
	return strings.NewReplacer(" ", "-", "/", "-", ".", "_").Replace(r.Name)
}

// writePlots draws, for each room, success against distance under the
// headline condition, one line per system.
func (r *results) writePlots(cfg config) error {
	dir := filepath.Join(cfg.out, "plots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	hc := cfg.headline()
	for ri, room := range cfg.rooms {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s: 16-byte payloads decoded against distance; %s", roomTitle(cfg, room), cfg.conds[hc])
		p.X.Label.Text = "distance (m)"
		p.Y.Label.Text = "payloads decoded (%)"
		p.Y.Min, p.Y.Max = 0, 100
		p.Add(plotter.NewGrid())
		p.Legend.Top = true
		p.Legend.Left = false
		ds := cfg.distancesFor(room)
		for i, s := range r.systems {
			var pts plotter.XYs
			for _, d := range ds {
				t := r.tallies[s.Key][cell{ri, hc, d}]
				y := 0.0
				if t.Trials > 0 {
					y = 100 * t.rate()
				}
				pts = append(pts, plotter.XY{X: d, Y: y})
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return err
			}
			l.LineStyle = bench.LineStyle(i, s)
			p.Add(l)
			p.Legend.Add(s.Name, l)
		}
		// Room on the right for the legend, past the far wall.
		p.X.Min, p.X.Max = 0, ds[len(ds)-1]*1.45
		if err := p.Save(10*vg.Inch, 5.5*vg.Inch, filepath.Join(dir, "rooms-"+plotName(room)+".png")); err != nil {
			return err
		}
	}
	return nil
}
