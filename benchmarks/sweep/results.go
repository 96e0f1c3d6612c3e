package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"warble/benchmarks/internal/bench"

	"warble/modem"
)

// report gathers every part's results for RESULTS.md and the plots.
type report struct {
	cfg     config
	systems []system
	snr     map[string][]tally // by system key, one per cfg.snrs
	skew    map[string][]tally // by system key, one per cfg.skews
	codec   map[string][]tally // by system key, one per codecs()
	airtime map[string]float64 // seconds, by system name
	speed   *speedResult
	memory  *memoryResult
	falses  []falseRow
	notes   []string
	machine string
	date    string
}

func buildReport(cfg config, sw *sweeper, syss []system, notes []string) (*report, error) {
	r := &report{cfg: cfg, systems: syss, notes: notes, snr: map[string][]tally{}, skew: map[string][]tally{}, codec: map[string][]tally{},
		airtime: map[string]float64{}, machine: machine(), date: time.Now().UTC().Format("2006-01-02 15:04 MST")}
	// A part not re-run keeps the figures of the version that made them,
	// and says so.
	stale := map[string]bool{}
	for _, s := range syss {
		for _, v := range cfg.snrs {
			t, old := sw.latest(s, point{Kind: kindSNR, Value: v})
			r.snr[s.Key] = append(r.snr[s.Key], t)
			stale[s.Name] = stale[s.Name] || old
		}
		for _, v := range cfg.skews {
			t, old := sw.latest(s, point{Kind: kindSkew, Value: v})
			r.skew[s.Key] = append(r.skew[s.Key], t)
			stale[s.Name] = stale[s.Name] || old
		}
		for _, c := range codecs() {
			t, old := sw.latest(s, point{Kind: kindCodec, Value: cfg.codecSNR, Codec: c.Key})
			r.codec[s.Key] = append(r.codec[s.Key], t)
			stale[s.Name] = stale[s.Name] || old
		}
	}
	var names []string
	for _, s := range syss {
		if stale[s.Name] {
			names = append(names, s.Name)
		}
	}
	if len(names) > 0 {
		r.notes = append(r.notes, "the success figures of "+strings.Join(names, ", ")+" were measured with an earlier version of the code than the speed figures (`-only snr,skew,codec` refreshes them)")
	}
	var air []airtime
	if loadResult(cfg, "airtime", &air) {
		for _, a := range air {
			r.airtime[a.System] = a.Seconds
		}
	}
	var sp speedResult
	if loadResult(cfg, "speed", &sp) {
		r.speed = &sp
	}
	var mem memoryResult
	if loadResult(cfg, "memory", &mem) {
		r.memory = &mem
	}
	loadResult(cfg, "false", &r.falses)
	return r, nil
}

// machine describes the computer the sweep runs on.
func machine() string {
	model := ""
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if model == "" {
		model = "unknown CPU"
	}
	return fmt.Sprintf("%s/%s, %s, %d CPUs (shared with other work), %s", runtime.GOOS, runtime.GOARCH, model, runtime.NumCPU(), runtime.Version())
}

// threshold returns the SNR from which every measured point up reaches q,
// interpolated linearly between the last point below q and the next; -Inf
// if the lowest point already reaches it, +Inf if the highest does not,
// NaN without data.
func threshold(snrs []float64, ts []tally, q float64) float64 {
	last := -1
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Trials == 0 {
			continue
		}
		if ts[i].rate() < q {
			last = i
			break
		}
	}
	any := false
	for _, t := range ts {
		any = any || t.Trials > 0
	}
	switch {
	case !any:
		return math.NaN()
	case last < 0:
		return math.Inf(-1)
	}
	next := -1
	for j := last + 1; j < len(ts); j++ {
		if ts[j].Trials > 0 {
			next = j
			break
		}
	}
	if next < 0 {
		return math.Inf(1)
	}
	r0, r1 := ts[last].rate(), ts[next].rate()
	return snrs[last] + (q-r0)/(r1-r0)*(snrs[next]-snrs[last])
}

func fmtThreshold(v float64, snrs []float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case math.IsInf(v, -1):
		return fmt.Sprintf("≤ %s dB", signed(snrs[0], 0))
	case math.IsInf(v, 1):
		return fmt.Sprintf("> %s dB", signed(snrs[len(snrs)-1], 0))
	}
	return signed(v, 1) + " dB"
}

// signed prints v with digits decimals, a sign (a real minus) unless zero.
func signed(v float64, digits int) string {
	s := strconv.FormatFloat(v, 'f', digits, 64)
	if strings.Trim(s, "-0.") == "" {
		return strings.TrimPrefix(s, "-")
	}
	if v > 0 {
		s = "+" + s
	}
	return strings.Replace(s, "-", "−", 1)
}

// skewLimits returns, for each sign, the largest skew (percent) up to which
// every measured point reaches 90%; NaN when even 0 does not.
func skewLimits(skews []float64, ts []tally) (neg, pos float64) {
	limit := func(sign float64) float64 {
		best := math.NaN()
		type pt struct {
			v float64
			t tally
		}
		var pts []pt
		for i, v := range skews {
			if (v*sign >= 0) && ts[i].Trials > 0 {
				pts = append(pts, pt{math.Abs(v), ts[i]})
			}
		}
		// in order of growing magnitude
		for i := 1; i < len(pts); i++ {
			for j := i; j > 0 && pts[j].v < pts[j-1].v; j-- {
				pts[j], pts[j-1] = pts[j-1], pts[j]
			}
		}
		for _, p := range pts {
			if p.t.rate() < 0.9 {
				break
			}
			best = p.v
		}
		return best
	}
	return limit(-1), limit(1)
}

func fmtSkewLimit(neg, pos float64, skews []float64) string {
	top := 0.0
	for _, v := range skews {
		top = max(top, math.Abs(v))
	}
	one := func(v float64) string {
		switch {
		case math.IsNaN(v):
			return "none"
		case v >= top:
			return fmt.Sprintf("%g%% or more", v)
		}
		return fmt.Sprintf("%g%%", v)
	}
	switch {
	case math.IsNaN(neg) && math.IsNaN(pos):
		return "none"
	case neg == pos && neg == 0:
		return "0% (fails at " + fmt.Sprintf("±%g%%", smallestNonzero(skews)) + ")"
	case neg == pos:
		return "±" + one(pos)
	}
	return "−" + one(neg) + ", +" + one(pos)
}

// smallestNonzero is the smallest skew magnitude measured other than 0.
func smallestNonzero(skews []float64) float64 {
	best := math.Inf(1)
	for _, v := range skews {
		if v != 0 {
			best = math.Min(best, math.Abs(v))
		}
	}
	return best
}

func pct(t tally) string {
	if t.Trials == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f", 100*t.rate())
}

// group is a set of systems shown together, in a table and a plot.
type group struct {
	title, file string
	systems     []system
	paired      bool // ggwave protocols beside warble's receivers of them
}

// groups splits the systems: audible and ultrasonic transmitters, each with
// its own receiver; and ggwave's transmissions heard by ggwave's receiver
// and by warble's.
func (r *report) groups() []group {
	gs := []group{{title: "audible", file: "audible"}, {title: "ultrasonic", file: "ultrasonic"},
		{title: "ggwave's transmissions heard by ggwave and by warble", file: "ggwave-receivers", paired: true},
		{title: "minimodem's transmissions heard by minimodem and by warble", file: "minimodem-receivers", paired: true}}
	rx := map[string]bool{}
	for _, s := range r.systems {
		if s.Signal != s.Key {
			rx[s.Signal] = true
		}
	}
	for _, s := range r.systems {
		if s.Signal != s.Key || rx[s.Key] {
			g := 2
			if strings.HasPrefix(s.Signal, "minimodem-") {
				g = 3
			}
			gs[g].systems = append(gs[g].systems, s)
		}
		switch {
		case s.Signal != s.Key:
		case s.Band == "ultrasonic":
			gs[1].systems = append(gs[1].systems, s)
		default:
			gs[0].systems = append(gs[0].systems, s)
		}
	}
	var out []group
	for _, g := range gs {
		if len(g.systems) > 0 && (!g.paired || len(rx) > 0) {
			out = append(out, g)
		}
	}
	return out
}

func (r *report) system(key string) (system, bool) {
	for _, s := range r.systems {
		if s.Key == key {
			return s, true
		}
	}
	return system{}, false
}

func (r *report) speedRow(decoder, how string) (speedRow, bool) {
	if r.speed == nil {
		return speedRow{}, false
	}
	for _, row := range r.speed.Rows {
		if row.Decoder == decoder && row.How == how {
			return row, true
		}
	}
	return speedRow{}, false
}

// writeResults writes RESULTS.md.
func writeResults(cfg config, r *report) error {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# warble against ggwave and minimodem\n\n")
	w("Regenerate this file and the plots in [plots/](plots/) from the repository root with:\n\n")
	w("```\nbash scripts/setup-peers.sh && bash scripts/setup-bench.sh   # once: minimodem, node, espeak-ng, GNU time\n%s\n```\n\n", cfg.command)
	w("The command installs ggwave (`npm ci` in [peers/](peers/)), runs every part below, keeps each point's tally in `benchmarks/cache/` (so an interrupted run resumes) and rewrites this file. `-only speed` (or `snr`, `skew`, `codec`, `airtime`, `memory`, `false`, `plots`) re-runs one part; the others come from the cache.\n\n")
	w("Measured %s on %s.\n\n", r.date, r.machine)
	w("Systems: warble's profiles (encoder and receiver in process); ggwave 0.4.0 from npm under node, every protocol, its own encoder and decoder (one node process decodes a batch of trials, each with a fresh receiver: `ggwave-cli.js decode-many`); minimodem (Debian) at 300 and 1200 baud, 8-N-1, both ends, one process per trial. ")
	w("Where warble's modem speaks a ggwave protocol, \"warble ← ggwave X\" is warble's receiver hearing ggwave's own transmissions: the very same noisy recordings ggwave's decoder gets.\n\n")
	w("The channel is `internal/channel`: each trial is one 16-byte payload (24 fixed payloads in turn), 0.2–0.4 s of silence before and 0.3 s after, and white Gaussian noise over all of it at a **full-band SNR**: the signal's power over its transmission (from the first to the last sample within 40 dB of its peak) over the noise variance, which spreads over 0 – 24 kHz at 48 kHz. A trial succeeds when the payload comes out exactly (for minimodem: appears whole in what it prints).\n\n")
	for _, n := range r.notes {
		w("- Note: %s\n", n)
	}
	if len(r.notes) > 0 {
		w("\n")
	}

	r.writeTargets(w)
	r.writeSummary(w)
	r.writeSNR(w)
	r.writeSkew(w)
	r.writeSkewGGWave(w)
	r.writeCodec(w)
	r.writeSpeed(w)
	r.writeMemory(w)
	r.writeFalse(w)
	r.writeSpectrograms(w)

	if err := os.MkdirAll(cfg.outDir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(cfg.outDir, "RESULTS.md")
	// The Rooms section is benchmarks/rooms' own: keep it.
	doc := b.String()
	if old, err := os.ReadFile(path); err == nil {
		if rooms := bench.Section(string(old), "## Rooms"); rooms != "" {
			doc = bench.ReplaceSection(doc, "## Rooms", rooms)
		}
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}

func (r *report) writeSummary(w func(string, ...any)) {
	w("## Summary: 16-byte payload at 48 kHz\n\n")
	w("| system | airtime | 90%% at | 99%% at | skew limit (≥ 90%% at %s dB) | false frames per hour (noise / speech / music) |\n", signed(r.cfg.skewSNR, 0))
	w("|---|---|---|---|---|---|\n")
	for _, s := range r.systems {
		air := "–"
		if a, ok := r.airtime[s.Name]; ok {
			air = fmt.Sprintf("%.3f s", a)
		}
		t90 := fmtThreshold(threshold(r.cfg.snrs, r.snr[s.Key], 0.9), r.cfg.snrs)
		t99 := fmtThreshold(threshold(r.cfg.snrs, r.snr[s.Key], 0.99), r.cfg.snrs)
		neg, pos := skewLimits(r.cfg.skews, r.skew[s.Key])
		sk := "–"
		if len(r.skew[s.Key]) > 0 && r.skew[s.Key][0].Trials+r.skew[s.Key][len(r.skew[s.Key])-1].Trials > 0 {
			sk = fmtSkewLimit(neg, pos, r.cfg.skews)
		}
		w("| %s | %s | %s | %s | %s | %s |\n", s.Name, air, t90, t99, sk, r.falseCell(s))
	}
	w("\nThresholds are interpolated between the two SNR points (1 dB apart) either side of the success rate; \"≤\" means even the lowest point measured reached it. The skew limit is the largest clock error, each way, up to which every measured point reached 90%%. False frames: for warble, the frames of that profile that warble's receiver reported while listening for every profile (see below); for ggwave, anything its receiver reported.\n\n")
}

// falseCell is the false-frame figures of the decoder that serves s: for
// warble, the frames of s's profile that warble's receiver (listening for
// every profile) reported.
func (r *report) falseCell(s system) string {
	dec, profile := "", ""
	switch {
	case strings.HasPrefix(s.Key, "warble-rx-minimodem-"):
		for _, p := range modem.BellProfiles() {
			if s.Key == fmt.Sprintf("warble-rx-minimodem-%d", int(p.Bell.Baud)) {
				dec = "warble " + p.Name
			}
		}
	case s.Family == "warble":
		dec = "warble (auto: every profile)"
		profile = strings.TrimPrefix(strings.TrimPrefix(s.Key, "warble-rx-"), "warble-")
	case s.Family == "ggwave":
		dec = "ggwave (every protocol)"
	case s.Family == "minimodem":
		dec = s.Name
	}
	var parts []string
	unit := ""
	for _, sig := range []string{"noise", "speech", "music"} {
		found := false
		for _, f := range r.falses {
			if f.Decoder == dec && f.Signal == sig {
				n := f.PerHour
				if profile != "" {
					n = float64(f.By[profile]) * 60 / f.Minutes
				}
				parts = append(parts, fmt.Sprintf("%.0f", n))
				unit = f.Unit
				found = true
			}
		}
		if !found {
			parts = append(parts, "–")
		}
	}
	cell := strings.Join(parts, " / ")
	if unit == "bytes" {
		cell += " bytes (no frames)"
	}
	return cell
}

func (r *report) writeSNR(w func(string, ...any)) {
	w("## Success against full-band SNR\n\n")
	for _, g := range r.groups() {
		w("![success against SNR, %s](plots/snr-%s.png)\n\n", g.title, g.file)
	}
	w("Trials: %d at every point; then each point of a system's transition (from the point below the lowest that ever succeeded to two points above the highest imperfect one) at least 100, and as many as put the 95%% confidence interval of its success rate within ±5%% (1.96²·p(1−p)/0.05² from the estimate p so far, at most %d). Points far from the transition keep %d trials: there %d of %d, or none, bounds the other outcome to about 7%% (95%%).\n\n",
		r.cfg.coarse, r.cfg.trials, r.cfg.coarse, r.cfg.coarse, r.cfg.coarse)
	for _, g := range r.groups() {
		ss := g.systems
		w("### %s (success %%, trials in brackets where more than %d)\n\n", strings.ToUpper(g.title[:1])+g.title[1:], r.cfg.coarse)
		w("| SNR |")
		for _, s := range ss {
			w(" %s |", s.Name)
		}
		w("\n|---|")
		for range ss {
			w("---|")
		}
		w("\n")
		for i := len(r.cfg.snrs) - 1; i >= 0; i-- {
			w("| %s dB |", signed(r.cfg.snrs[i], 0))
			for _, s := range ss {
				t := r.snr[s.Key][i]
				cell := pct(t)
				if t.Trials > r.cfg.coarse {
					cell += fmt.Sprintf(" (%d)", t.Trials)
				}
				w(" %s |", cell)
			}
			w("\n")
		}
		w("\n")
	}
}

func (r *report) writeSkew(w func(string, ...any)) {
	w("## Success against clock skew, at %s dB full-band SNR\n\n", signed(r.cfg.skewSNR, 0))
	for _, g := range r.groups() {
		w("![success against clock skew, %s](plots/skew-%s.png)\n\n", g.title, g.file)
	}
	w("The transmitter's clock runs fast (+) or slow (−) by the given fraction: every frequency and duration scales with it (`channel.Skew`, band-limited resampling). %d trials per point; success in %%.\n\n", r.cfg.skewTrials)
	w("| system |")
	for _, v := range r.cfg.skews {
		w(" %s%% |", signed(v, 1))
	}
	w("\n|---|")
	for range r.cfg.skews {
		w("---|")
	}
	w("\n")
	for _, s := range r.systems {
		w("| %s |", s.Name)
		for i := range r.cfg.skews {
			w(" %s |", pct(r.skew[s.Key][i]))
		}
		w("\n")
	}
	w("\n")
}

func (r *report) writeSpeed(w func(string, ...any)) {
	w("## Decode speed on the same recording\n\n")
	if r.speed == nil {
		w("Not measured yet: run `go run ./benchmarks/sweep -only speed`.\n\n")
		return
	}
	sp := r.speed
	w("The recording: %s. Every decoder reads the same file. × real time is seconds of audio per second of CPU time (user + system: one core, whatever else the machine was doing), the median of %d runs; a whole process is timed from start to exit by GNU time, which also gives its peak memory. Measured %s.\n\n", sp.Contents, sp.Repeats, sp.Measured)
	w("| decoder | measured | command | found | CPU | wall | × real time | peak memory |\n|---|---|---|---|---|---|---|---|\n")
	for _, row := range sp.Rows {
		found := fmt.Sprint(row.Found)
		if row.Found < 0 {
			found = "–"
		}
		mem := "–"
		if row.MaxRSSKB > 0 {
			mem = fmt.Sprintf("%.1f MB", float64(row.MaxRSSKB)/1024)
		}
		w("| %s | %s | `%s` | %s | %.3f s | %.3f s | %.0f× | %s |\n", row.Decoder, row.How, row.Command, found, row.CPU, row.Wall, row.XRT, mem)
	}
	w("\n\"found\" counts the frames a decoder printed (for minimodem: its own payloads seen whole); the file holds %s bursts. The sweep leaves the file in `benchmarks/cache/speed.wav`, to time other commands on.\n\n", strings.Join(sp.Sent, ", "))
}

func (r *report) writeMemory(w func(string, ...any)) {
	w("## Peak memory on a long recording\n\n")
	if r.memory == nil || len(r.memory.Rows) == 0 {
		w("Not measured yet: run `go run ./benchmarks/sweep -only memory`.\n\n")
		return
	}
	m := r.memory
	w("The recording: %s, piped into each command as it is made, so no file holds it.\n\n", m.Contents)
	w("| command | audio | frames found | CPU | × real time | peak memory (target ≤ 50 MB) |\n|---|---|---|---|---|---|\n")
	for _, row := range m.Rows {
		w("| `%s` | %.0f min | %d of %d | %.2f s | %.0f× | %.1f MB |\n", row.Command, m.Minutes, row.Found, m.Sent, row.CPU, row.XRT, float64(row.MaxRSSKB)/1024)
	}
	w("\n")
}

func (r *report) writeFalse(w func(string, ...any)) {
	w("## False frames\n\n")
	if len(r.falses) == 0 {
		w("Not measured yet: run `go run ./benchmarks/sweep -only false`.\n\n")
		return
	}
	w("Each decoder listens to recordings with no transmission in them, in pieces of %d minutes, each piece heard by a fresh receiver. warble and ggwave report frames that passed their checks (CRC-32C; Reed-Solomon); minimodem has no frames or check and prints whatever bytes it demodulates while it thinks it hears a carrier, so its column counts bytes.\n\n", chunkMinutes)
	seen := map[string]bool{}
	for _, f := range r.falses {
		if !seen[f.Signal] {
			seen[f.Signal] = true
			w("- **%s**: %s.\n", f.Signal, f.Desc)
		}
	}
	w("\n| decoder | unit | noise | speech | music | audio per signal |\n|---|---|---|---|---|---|\n")
	order := []string{}
	for _, f := range r.falses {
		if !contains(order, f.Decoder) {
			order = append(order, f.Decoder)
		}
	}
	for _, d := range order {
		cells := map[string]string{}
		unit, minutes := "", 0.0
		for _, f := range r.falses {
			if f.Decoder == d {
				cells[f.Signal] = fmt.Sprintf("%d (%.0f per hour)", f.Count, f.PerHour)
				if f.Count > 0 && len(f.By) > 0 {
					cells[f.Signal] += ": " + byProfile(f.By)
				}
				unit, minutes = f.Unit, f.Minutes
			}
		}
		w("| %s | %s | %s | %s | %s | %.0f min |\n", d, unit, cells["noise"], cells["speech"], cells["music"], minutes)
	}
	w("\n")
}

func isNative(profile string) bool {
	for _, p := range modem.Profiles() {
		if p.Name == profile {
			return true
		}
	}
	return false
}

// byProfile lists frame counts by profile, "name: n, …".
func byProfile(by map[string]int) string {
	var names []string
	for p := range by {
		names = append(names, p)
	}
	slices.Sort(names)
	var parts []string
	for _, p := range names {
		parts = append(parts, fmt.Sprintf("%s: %d", p, by[p]))
	}
	return strings.Join(parts, ", ")
}

func (r *report) falseMinutes() float64 {
	for _, f := range r.falses {
		return f.Minutes
	}
	return 0
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (r *report) writeSpectrograms(w func(string, ...any)) {
	w("## warble's profiles\n\n")
	w("Spectrograms of a 16-byte transmission of each profile at 48 kHz (1024-sample Hann window, 256-sample hop, dB):\n\n")
	for _, p := range modem.Profiles() {
		w("![%s](plots/spectrogram-%s.png)\n\n", p.Name, p.Name)
	}
}

// writeTargets compares warble with the targets and says where it
// misses one, and by how much.
func (r *report) writeTargets(w func(string, ...any)) {
	w("## Against the targets (audible, 16 bytes)\n\n")
	w("| target | measured | |\n|---|---|---|\n")
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**missed**"
	}
	if a, ok := r.airtime["warble audible"]; ok {
		w("| airtime ≤ 1.3 s | %.3f s | %s |\n", a, verdict(a <= 1.3))
	}
	if ts, ok := r.snr["warble-audible"]; ok {
		t99 := threshold(r.cfg.snrs, ts, 0.99)
		if !math.IsNaN(t99) {
			txt := verdict(t99 <= -14)
			if t99 > -14 {
				txt += fmt.Sprintf(" by %.1f dB", t99+14)
			}
			w("| 99%% success at −14 dB or lower | 99%% from %s | %s |\n", fmtThreshold(t99, r.cfg.snrs), txt)
		}
		for i, v := range r.cfg.snrs {
			if v == -14 && ts[i].Trials > 0 {
				w("| (held-out check: 20 of 20 at −14 dB) | %d of %d at −14 dB (%.1f%%) | |\n", ts[i].OK, ts[i].Trials, 100*ts[i].rate())
			}
		}
	}
	if s, ok := r.system("ggwave-fastest"); ok {
		g99 := threshold(r.cfg.snrs, r.snr[s.Key], 0.99)
		w99 := threshold(r.cfg.snrs, r.snr["warble-audible"], 0.99)
		if !math.IsNaN(g99) && !math.IsNaN(w99) && !math.IsInf(g99, 0) && !math.IsInf(w99, 0) {
			w("| (ggwave fastest, same airtime class) | 99%% from %s | warble audible needs %.1f dB less |\n", fmtThreshold(g99, r.cfg.snrs), g99-w99)
		}
	}
	for _, c := range []struct{ dec, how, target string }{
		{"warble (auto: every profile)", "process", "≥ 5000× real time per core, `warble decode` (default: every profile)"},
		{"warble audible", "process", "≥ 5000× real time per core, `warble decode -profile audible`"},
		{"warble (auto: every profile)", "in process", "≥ 5000× real time per core, receiver in process (every profile)"},
		{"warble audible", "in process", "≥ 5000× real time per core, receiver in process (audible)"},
	} {
		if row, ok := r.speedRow(c.dec, c.how); ok {
			txt := verdict(row.XRT >= 5000)
			if row.XRT < 5000 {
				txt += fmt.Sprintf(": %.0f%% of it, %.1f× short", 100*row.XRT/5000, 5000/row.XRT)
			}
			w("| %s | %.0f× | %s |\n", c.target, row.XRT, txt)
		}
	}
	if row, ok := r.speedRow("warble (native profiles: audible, fast, ultrasonic)", "in process"); ok {
		w("| (why: listening for every profile includes ggwave's nine; warble's own three alone, in process) | %.0f× | %s |\n", row.XRT, verdict(row.XRT >= 5000))
	}
	if row, ok := r.speedRow("warble (auto: every profile)", "process"); ok {
		w("| (held-out check: ≥ 3000× as a whole process on a 5-minute file) | %.0f× | %s |\n", row.XRT, verdict(row.XRT >= 3000))
		if g, ok := r.speedRow("ggwave (every protocol)", "process"); ok {
			w("| faster than ggwave in the same run (whole process) | warble %.0f×, ggwave %.0f× | %s (%.1f× ggwave's speed) |\n", row.XRT, g.XRT, verdict(row.XRT > g.XRT), row.XRT/g.XRT)
		}
		if g, ok := r.speedRow("ggwave (every protocol)", "in node (decode calls only)"); ok {
			if wi, ok := r.speedRow("warble (auto: every profile)", "in process"); ok {
				w("| faster than ggwave in the same run (decoder alone) | warble %.0f×, ggwave %.0f× | %s |\n", wi.XRT, g.XRT, verdict(wi.XRT > g.XRT))
			}
		}
	}
	if r.memory != nil {
		for _, row := range r.memory.Rows {
			mb := float64(row.MaxRSSKB) / 1024
			txt := verdict(mb <= 50)
			if mb > 50 {
				txt += fmt.Sprintf(" by %.1f MB", mb-50)
			}
			w("| peak memory ≤ 50 MB on a %.0f-minute recording, `%s` | %.1f MB | %s |\n", r.memory.Minutes, row.Command, mb, txt)
		}
	}
	native, other, have := 0, map[string]int{}, false
	for _, f := range r.falses {
		if f.Decoder != "warble (auto: every profile)" {
			continue
		}
		have = true
		for p, k := range f.By {
			if isNative(p) {
				native += k
			} else {
				other[p] += k
			}
		}
	}
	if have {
		w("| 0 false frames | %d from warble's own profiles in %.0f minutes each of noise, speech and music | %s |\n", native, r.falseMinutes(), verdict(native == 0))
		if len(other) > 0 {
			w("| (the same, ggwave profiles listening in auto) | %s | %s |\n", byProfile(other), verdict(false))
		}
	}
	w("\n")
}

// writeSkewGGWave writes the skew table of the ggwave protocols alone,
// both decoders, within ±0.5%, where ggwave's own decoder gives out.
func (r *report) writeSkewGGWave(w func(string, ...any)) {
	var cols []int
	for i, v := range r.cfg.skews {
		if v >= -0.5-1e-9 && v <= 0.5+1e-9 {
			cols = append(cols, i)
		}
	}
	var rows []system
	for _, s := range r.systems {
		if s.Family == "ggwave" || strings.HasPrefix(s.Key, "warble-rx-ggwave-") {
			rows = append(rows, s)
		}
	}
	if len(cols) == 0 || len(rows) == 0 {
		return
	}
	w("### ggwave's protocols within ±0.5%%, both decoders\n\n")
	w("The rows above for ggwave's transmissions, heard by ggwave's own decoder and by warble's (the same recordings), at %s dB; success in %%.\n\n", signed(r.cfg.skewSNR, 0))
	w("| system |")
	for _, i := range cols {
		w(" %s%% |", signed(r.cfg.skews[i], 1))
	}
	w("\n|---|")
	for range cols {
		w("---|")
	}
	w("\n")
	for _, s := range rows {
		w("| %s |", s.Name)
		for _, i := range cols {
			w(" %s |", pct(r.skew[s.Key][i]))
		}
		w("\n")
	}
	w("\n")
}

// writeCodec writes the success of every system through the phone-line
// codecs.
func (r *report) writeCodec(w func(string, ...any)) {
	measured := false
	for _, ts := range r.codec {
		for _, t := range ts {
			measured = measured || t.Trials > 0
		}
	}
	if !measured {
		return
	}
	w("## Through phone-line codecs, at %s dB full-band SNR\n\n", signed(r.cfg.codecSNR, 0))
	w("Each trial as above, with white noise at %s dB, then through a narrowband speech codec as a phone call or a Bluetooth headset would put it: brought to 8 kHz, coded and decoded by Debian's tools (`scripts/setup-codecs.sh`), and back at 48 kHz — AMR-NB at 12.2 kbit/s (`sox -r 8000 -C 7 x.amr-nb`), GSM 06.10 (`sox -r 8000 x.gsm`), Opus at 8 kbit/s (`opusenc --bitrate 8`, `opusdec --rate 48000`). %d trials per cell; success in %%.\n\n", signed(r.cfg.codecSNR, 0), r.cfg.codecTrials)
	w("| system |")
	for _, c := range codecs() {
		w(" %s |", c.Name)
	}
	w("\n|---|")
	for range codecs() {
		w("---|")
	}
	w("\n")
	for _, s := range r.systems {
		w("| %s |", s.Name)
		for i := range codecs() {
			w(" %s |", pct(r.codec[s.Key][i]))
		}
		w("\n")
	}
	w("\n")
}
