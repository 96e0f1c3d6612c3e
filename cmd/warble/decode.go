package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"unicode"
	"unicode/utf8"

	"warble/internal/wav"
	"warble/modem"
)

// frameJSON is one line of 'warble decode -json'.
type frameJSON struct {
	File       string   `json:"file"`
	Profile    string   `json:"profile"`
	StartS     float64  `json:"start_s"`
	SNRdB      float64  `json:"snr_db"`
	SkewPPM    float64  `json:"skew_ppm"`
	EchoDB     *float64 `json:"echo_db,omitempty"` // only profiles with hop sets measure it
	Hint       string   `json:"hint,omitempty"`
	PayloadHex string   `json:"payload_hex"`
	Text       *string  `json:"text,omitempty"`
	Unverified bool     `json:"unverified,omitempty"` // Bell: no integrity check
	// Payload is a standard payload the frame completes (see typed.go);
	// Part numbers a frame of one split across frames, Parts counts them.
	Payload json.RawMessage `json:"payload,omitempty"`
	Part    int             `json:"part,omitempty"`
	Parts   int             `json:"parts,omitempty"`
}

// printable reports whether b is UTF-8 text without control characters.
func printable(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if !unicode.IsPrint(r) && r != ' ' {
			return false
		}
	}
	return true
}

// round rounds v to a multiple of 10^-digits, printed without binary noise.
func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// printFrame writes f as a text line or a JSON object.
func printFrame(w io.Writer, file string, f modem.Frame, asJSON bool, tp *typedPrinter) {
	j := frameJSON{File: file, Profile: f.Profile, StartS: round(f.Start.Seconds(), 4),
		SNRdB: round(f.SNR, 1), SkewPPM: round(f.SkewPPM, 0), PayloadHex: hex.EncodeToString(f.Payload),
		Unverified: f.Unverified, Hint: f.Hint}
	if f.EchoKnown {
		e := round(f.EchoDB, 1)
		j.EchoDB = &e
	}
	body := "hex:" + hex.EncodeToString(f.Payload)
	if printable(f.Payload) {
		body = string(f.Payload)
	}
	if !f.Unverified {
		tp.decorate(file, f.Payload, &j, &body)
	}
	if asJSON {
		if printable(f.Payload) {
			s := string(f.Payload)
			j.Text = &s
		}
		b, _ := json.Marshal(j)
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	if f.Unverified {
		body += "\t(unverified)"
	}
	if f.Hint != "" {
		body += "\thint: " + f.Hint
	}
	fmt.Fprintf(w, "%s\t%.3fs\t%s\tsnr %.1f dB\t%s\n", file, f.Start.Seconds(), f.Profile, f.SNR, body)
}

// profilesArg resolves -profile: "auto" listens for warble's profiles and
// ggwave's; a name picks one profile, Bell modems included.
func profilesArg(name string) ([]modem.Profile, error) {
	if name == "auto" {
		return nil, nil
	}
	p, err := modem.Lookup(name)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return []modem.Profile{p}, nil
}

func cmdDecode(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("decode", stderr)
	profile := profileFlag(fs, "auto", true)
	asJSON := fs.Bool("json", false, "print one JSON object per frame")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: warble decode [-profile auto|NAME] [-json] FILE...")
		fmt.Fprintln(stderr, "FILE is a WAV file; - reads one from stdin.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageErr("decode needs at least one FILE")
	}
	ps, err := profilesArg(*profile)
	if err != nil {
		return err
	}
	found, failed := 0, 0
	var lastErr error
	tp := newTypedPrinter(stderr)
	for _, name := range fs.Args() {
		n, err := decodeFile(name, ps, stdin, stdout, *asJSON, tp)
		tp.flush(name)
		found += n
		if err != nil {
			failed++
			lastErr = err
			fmt.Fprintf(stderr, "warble: error: %s: %v\n", name, err)
		}
	}
	switch {
	case failed > 0:
		// Frames found before a cut were printed, but unreadable input
		// is still an error.
		return &exitError{code: 2, hints: hintsFor(lastErr)}
	case found == 0:
		return &exitError{code: 1, msg: "no transmission found", hints: []string{"try louder playback, a quieter room, or -profile with the sender's profile"}}
	}
	return tp.err()
}

func hintsFor(err error) []string {
	switch {
	case errors.Is(err, wav.ErrFormat):
		return []string{"warble reads WAV files (PCM 8/16/24/32-bit or float); convert other audio with: sox in.mp3 out.wav"}
	case errors.Is(err, wav.ErrTruncated):
		return []string{"the file ends early; frames before the cut were decoded"}
	}
	return nil
}

// decodeFile streams one WAV file through a receiver and prints its frames.
// A truncated file is decoded up to the cut and reported as an error.
func decodeFile(name string, ps []modem.Profile, stdin io.Reader, stdout io.Writer, asJSON bool, tp *typedPrinter) (int, error) {
	var src io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		src = f
	}
	r, err := wav.NewReader(src)
	if err != nil {
		return 0, err
	}
	rx, err := modem.NewReceiver(r.SampleRate(), ps...)
	if err != nil {
		return 0, err
	}
	buf := make([]float32, 1<<15)
	var frames []modem.Frame
	found := 0
	emit := func() {
		for _, f := range frames {
			printFrame(stdout, name, f, asJSON, tp)
		}
		found += len(frames)
		frames = frames[:0]
	}
	for {
		n, rerr := r.Read(buf)
		frames = rx.Receive(frames, buf[:n])
		emit()
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			frames = rx.Flush(frames)
			emit()
			return found, rerr
		}
	}
	frames = rx.Flush(frames)
	emit()
	return found, nil
}
