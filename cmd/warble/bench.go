package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/term"

	"warble/internal/wav"
	"warble/modem"
)

// expectation is a fixture's .expect file: key: value lines naming the
// profile and payload (hex) of the frame the WAV holds, and "expect: found",
// or "expect: none" for a file that must give no frame.
type expectation struct {
	path    string
	found   bool   // expect: found (else none)
	profile string // "" matches any profile
	payload []byte // nil matches any payload
}

// expectKeys are the keys an .expect file may hold. Others are reported, so a
// misspelt key cannot quietly turn a check off.
var expectKeys = []string{"profile", "payload", "expect"}

// readExpect reads the .expect file beside a WAV file, or returns nil if
// there is none.
func readExpect(wavPath string) (*expectation, error) {
	path := strings.TrimSuffix(wavPath, filepath.Ext(wavPath)) + ".expect"
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseExpectation(path, b)
}

// parseExpectation parses key: value lines, skipping blanks and # comments.
func parseExpectation(path string, b []byte) (*expectation, error) {
	e := &expectation{path: path}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch {
		case !ok:
			return nil, fmt.Errorf("%s:%d: %q is not a key: value line", path, n, line)
		case !slices.Contains(expectKeys, k):
			return nil, fmt.Errorf("%s:%d: unknown key %q (want %s)", path, n, k, strings.Join(expectKeys, ", "))
		case seen[k]:
			return nil, fmt.Errorf("%s:%d: key %q given twice", path, n, k)
		}
		seen[k] = true
		switch k {
		case "profile":
			e.profile = v
		case "payload":
			p, err := hex.DecodeString(v)
			if err != nil || len(p) == 0 {
				return nil, fmt.Errorf("%s:%d: payload %q is not non-empty hex", path, n, v)
			}
			e.payload = p
		case "expect":
			switch v {
			case "found":
				e.found = true
			case "none":
			default:
				return nil, fmt.Errorf("%s:%d: expect %q is neither found nor none", path, n, v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !seen["expect"] {
		return nil, fmt.Errorf("%s: no expect: line (found or none)", path)
	}
	if !e.found && (e.profile != "" || e.payload != nil) {
		return nil, fmt.Errorf("%s: expect: none with a profile or payload", path)
	}
	return e, nil
}

// benchResult is one file's line of 'warble bench', and its -json object.
type benchResult struct {
	File      string   `json:"file"`
	Expect    string   `json:"expect,omitempty"` // found, none, or empty without an .expect file
	Found     bool     `json:"found"`
	Frames    int      `json:"frames"`
	Profile   string   `json:"profile,omitempty"`
	Payload   string   `json:"payload_hex,omitempty"`
	Correct   *bool    `json:"correct,omitempty"` // for expect: found, whether the expected frame came out
	SNRdB     *float64 `json:"snr_db,omitempty"`
	AudioS    float64  `json:"audio_s"`
	DecodeS   float64  `json:"decode_s"`
	XRealtime float64  `json:"x_realtime"`
	Pass      *bool    `json:"pass,omitempty"` // nil when the file is not scored
	Error     string   `json:"error,omitempty"`

	audio, decode float64 // seconds, unrounded, for the summary
}

// benchSummary is the last line of 'warble bench -json'.
type benchSummary struct {
	Summary         bool    `json:"summary"`
	Files           int     `json:"files"`
	Passed          int     `json:"passed"`
	Failed          int     `json:"failed"`
	Unscored        int     `json:"unscored"`
	AudioS          float64 `json:"audio_s"`
	DecodeS         float64 `json:"decode_s"`
	MedianXRealtime float64 `json:"median_x_realtime"`
	TotalXRealtime  float64 `json:"total_x_realtime"`
}

func cmdBench(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	flags := newFlags("bench", stderr)
	profile := profileFlag(flags, "auto", true)
	asJSON := flags.Bool("json", false, "print one JSON object per file, then a summary object")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: warble bench [-json] [-profile auto|NAME] PATH...")
		fmt.Fprintln(stderr, "PATH is a WAV file or a folder searched for *.wav. A NAME.expect file beside")
		fmt.Fprintln(stderr, "NAME.wav (key: value lines: profile, payload in hex, expect: found or none)")
		fmt.Fprintln(stderr, "scores it; exit status 1 if any scored file fails.")
		flags.PrintDefaults()
	}
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if flags.NArg() == 0 {
		flags.Usage()
		return usageErr("bench needs at least one PATH")
	}
	ps, err := profilesArg(*profile)
	if err != nil {
		return err
	}
	files, err := benchFiles(flags.Args())
	if err != nil {
		return &exitError{code: 2, msg: err.Error()}
	}
	if len(files) == 0 {
		return &exitError{code: 2, msg: "no WAV files under " + strings.Join(flags.Args(), ", ")}
	}
	// Read every .expect file first: a broken one is a usage error, found
	// before any time is spent decoding.
	expects := make([]*expectation, len(files))
	for i, f := range files {
		if expects[i], err = readExpect(f); err != nil {
			return &exitError{code: 2, msg: err.Error(), hints: []string{"an .expect file holds key: value lines: profile, payload (hex), expect: found or none"}}
		}
	}

	bar := newProgress(stderr, len(files))
	var sum benchSummary
	var speeds []float64
	unreadable := 0
	for i, f := range files {
		r := benchFile(f, ps, expects[i], func(frac float64) { bar.update(float64(i) + frac) })
		sum.Files++
		sum.AudioS += r.audio
		sum.DecodeS += r.decode
		if r.Error != "" {
			unreadable++
		} else if r.XRealtime > 0 {
			speeds = append(speeds, r.XRealtime)
		}
		switch {
		case r.Pass == nil:
			sum.Unscored++
		case *r.Pass:
			sum.Passed++
		default:
			sum.Failed++
		}
		bar.clear()
		if *asJSON {
			b, _ := json.Marshal(r)
			fmt.Fprintf(stdout, "%s\n", b)
		} else {
			fmt.Fprintln(stdout, r.line())
		}
	}
	bar.clear()
	if len(speeds) > 0 {
		slices.Sort(speeds)
		m := len(speeds) / 2
		sum.MedianXRealtime = speeds[m]
		if len(speeds)%2 == 0 {
			sum.MedianXRealtime = (speeds[m-1] + speeds[m]) / 2
		}
	}
	if sum.DecodeS > 0 {
		sum.TotalXRealtime = sum.AudioS / sum.DecodeS
	}
	sum.MedianXRealtime = round(sum.MedianXRealtime, 0)
	sum.TotalXRealtime = round(sum.TotalXRealtime, 0)
	sum.AudioS = round(sum.AudioS, 3)
	sum.DecodeS = round(sum.DecodeS, 4)
	if *asJSON {
		sum.Summary = true
		b, _ := json.Marshal(sum)
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		line := fmt.Sprintf("%d passed, %d failed", sum.Passed, sum.Failed)
		if sum.Unscored > 0 {
			line += fmt.Sprintf(", %d without .expect", sum.Unscored)
		}
		fmt.Fprintf(stdout, "%s; %.1f s of audio, median %.0f× real time, total %.0f× real time\n",
			line, sum.AudioS, sum.MedianXRealtime, sum.TotalXRealtime)
	}
	switch {
	case sum.Failed > 0:
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d scored files failed", sum.Failed, sum.Passed+sum.Failed)}
	case unreadable > 0:
		return &exitError{code: 2, msg: fmt.Sprintf("%d files could not be read", unreadable)}
	}
	return nil
}

// benchFiles expands paths into WAV files: files as given, folders walked
// for *.wav (any case), each folder's files in name order.
func benchFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".wav") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

// benchFile decodes one file, times the decoding (reading included) and
// scores the result against e, if any. progress gets the fraction of the
// file decoded so far.
func benchFile(path string, ps []modem.Profile, e *expectation, progress func(float64)) benchResult {
	r := benchResult{File: path}
	if e != nil {
		r.Expect = "none"
		if e.found {
			r.Expect = "found"
		}
	}
	frames, audio, elapsed, err := decodeTimed(path, ps, progress)
	r.audio, r.decode = audio, elapsed.Seconds()
	r.AudioS = round(audio, 3)
	r.DecodeS = round(elapsed.Seconds(), 4)
	if elapsed > 0 && audio > 0 {
		r.XRealtime = round(audio/elapsed.Seconds(), 0)
	}
	r.Frames = len(frames)
	r.Found = len(frames) > 0
	if err != nil {
		r.Error = err.Error()
	}
	// The frame reported is the expected one when it came out, else the
	// first.
	shown := -1
	for i, f := range frames {
		if e != nil && e.matches(f) {
			shown = i
			break
		}
	}
	if shown < 0 && len(frames) > 0 {
		shown = 0
	}
	if shown >= 0 {
		f := frames[shown]
		r.Profile = f.Profile
		r.Payload = hex.EncodeToString(f.Payload)
		snr := round(f.SNR, 1)
		r.SNRdB = &snr
	}
	if e == nil {
		return r
	}
	pass := err == nil
	if e.found {
		correct := shown >= 0 && e.matches(frames[shown])
		r.Correct = &correct
		pass = pass && correct
	} else {
		pass = pass && len(frames) == 0
	}
	r.Pass = &pass
	return r
}

// matches reports whether f is the frame e expects.
func (e *expectation) matches(f modem.Frame) bool {
	return e.found && (e.profile == "" || e.profile == f.Profile) && (e.payload == nil || bytes.Equal(e.payload, f.Payload))
}

// decodeTimed streams a WAV file through a receiver, returning the frames,
// the seconds of audio and the time spent reading and decoding them (setting
// up the receiver, a fixed cost, is left out). On a read error it returns
// what was decoded up to it.
func decodeTimed(path string, ps []modem.Profile, progress func(float64)) ([]modem.Frame, float64, time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	r, err := wav.NewReader(f)
	if err != nil {
		return nil, 0, 0, err
	}
	rx, err := modem.NewReceiver(r.SampleRate(), ps...)
	if err != nil {
		return nil, 0, 0, err
	}
	total := r.Frames()
	buf := make([]float32, 1<<15)
	start := time.Now()
	var frames []modem.Frame
	var n int64
	for {
		k, rerr := r.Read(buf)
		frames = rx.Receive(frames, buf[:k])
		n += int64(k)
		if total > 0 {
			progress(float64(n) / float64(total))
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			err = rerr
			break
		}
	}
	frames = rx.Flush(frames)
	return frames, float64(n) / float64(r.SampleRate()), time.Since(start), err
}

// line is the text form of r.
func (r benchResult) line() string {
	verdict := "-"
	if r.Pass != nil {
		verdict = "FAIL"
		if *r.Pass {
			verdict = "ok"
		}
	}
	found := "none"
	if r.Found {
		found = fmt.Sprintf("found %s", r.Profile)
		if r.Frames > 1 {
			found += fmt.Sprintf(" (+%d)", r.Frames-1)
		}
	}
	correct := "-"
	if r.Correct != nil {
		correct = "wrong"
		if *r.Correct {
			correct = "correct"
		}
	}
	snr := "snr -"
	if r.SNRdB != nil {
		snr = fmt.Sprintf("snr %.1f dB", *r.SNRdB)
	}
	speed := "-"
	if r.XRealtime > 0 {
		speed = fmt.Sprintf("%.0f×", r.XRealtime)
	}
	s := fmt.Sprintf("%-4s\t%s\t%s\t%s\t%s\t%s", verdict, r.File, found, correct, snr, speed)
	if r.Error != "" {
		s += "\terror: " + r.Error
	}
	return s
}

// progress draws a bar on a terminal once a run has taken a while.
type progress struct {
	w       io.Writer
	on      bool
	total   int
	start   time.Time
	last    time.Time
	visible bool
}

// progressAfter is how long a run goes before its bar appears.
const progressAfter = time.Second

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.on = true
	}
	return p
}

// update shows done files (fractional) out of the total.
func (p *progress) update(done float64) {
	if !p.on {
		return
	}
	now := time.Now()
	if now.Sub(p.start) < progressAfter || now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	const width = 30
	frac := min(max(done/float64(p.total), 0), 1)
	fill := int(frac * width)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %d/%d files %s", strings.Repeat("=", fill), strings.Repeat(" ", width-fill),
		100*frac, int(done), p.total, now.Sub(p.start).Round(100*time.Millisecond))
	p.visible = true
}

// clear erases the bar before other output.
func (p *progress) clear() {
	if p.visible {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 72))
		p.visible = false
	}
}
