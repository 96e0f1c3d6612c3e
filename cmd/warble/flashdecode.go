package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"warble/optical"
)

func cmdFlashDecode(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("flash-decode", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per frame")
	refresh := fs.Float64("refresh", 60, "refresh rate in Hz of the display that flashed")
	fps := fs.Float64("fps", 0, "frame rate of a folder of camera frames")
	mode := fs.String("mode", "auto", "mode to look for: auto, full or safe")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: warble flash-decode [-json] [-refresh 60] [-mode auto|full|safe] FILE")
		fmt.Fprintln(stderr, "       warble flash-decode [-json] -fps N FOLDER")
		fmt.Fprintln(stderr, "FILE is a CSV trace of t,value lines (t in seconds, optional header); - reads it from stdin.")
		fmt.Fprintln(stderr, "FOLDER holds camera frames (PNG or JPEG) named in order.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageErr("flash-decode takes exactly one FILE (got %d)", fs.NArg())
	}
	if !(*refresh >= 10 && *refresh <= 500) {
		return usageErr("refresh rate %g Hz is outside 10..500", *refresh)
	}
	var profiles []optical.Profile
	if *mode != "auto" {
		p, err := optical.Lookup(*mode)
		if err != nil {
			return usageErr("unknown mode %q (want auto, full or safe)", *mode)
		}
		profiles = append(profiles, p)
	}
	name := fs.Arg(0)
	tr, err := readLightInput(name, *fps, stdin)
	if err != nil {
		return &exitError{code: 2, msg: fmt.Sprintf("%s: %v", name, err), hints: flashHints(err)}
	}
	frames, err := optical.Decode(tr, *refresh, profiles...)
	if err != nil {
		return &exitError{code: 2, msg: fmt.Sprintf("%s: %v", name, err), hints: flashHints(err)}
	}
	if len(frames) == 0 {
		return &exitError{code: 1, msg: "no transmission found", hints: []string{"hold the sensor closer to the screen, shade it from lamps, and check -refresh matches the display"}}
	}
	tp := newTypedPrinter(stderr)
	for _, f := range frames {
		printFlashFrame(stdout, name, f, *asJSON, tp)
	}
	tp.flush(name)
	return tp.err()
}

// readLightInput reads a CSV trace, or a folder of frames when fps is set.
func readLightInput(name string, fps float64, stdin io.Reader) (optical.Trace, error) {
	if name == "-" {
		return optical.ReadTrace(stdin)
	}
	st, err := os.Stat(name)
	if err != nil {
		return optical.Trace{}, err
	}
	if st.IsDir() {
		if fps == 0 {
			return optical.Trace{}, errNeedFPS
		}
		return optical.ReadFrames(name, fps)
	}
	f, err := os.Open(name)
	if err != nil {
		return optical.Trace{}, err
	}
	defer f.Close()
	return optical.ReadTrace(f)
}

var errNeedFPS = errors.New("a folder of camera frames needs -fps")

func flashHints(err error) []string {
	switch {
	case errors.Is(err, errNeedFPS):
		return []string{"give the camera's frame rate, e.g. -fps 240"}
	case errors.Is(err, optical.ErrSampleRate):
		return []string{"sample the sensor faster, or film with a high-speed camera mode (at least 2.5 frames per display refresh)"}
	case errors.Is(err, optical.ErrTrace):
		return []string{"a trace is CSV: one 't,value' line per sample, t in seconds, with an optional header line"}
	}
	return nil
}

// printFlashFrame writes f as 'warble decode' does: a text line or a JSON
// object.
func printFlashFrame(w io.Writer, file string, f optical.Frame, asJSON bool, tp *typedPrinter) {
	j := frameJSON{File: file, Profile: f.Profile, StartS: round(f.Start.Seconds(), 4),
		SNRdB: round(f.SNR, 1), SkewPPM: round(f.SkewPPM, 0), PayloadHex: hex.EncodeToString(f.Payload)}
	body := "hex:" + hex.EncodeToString(f.Payload)
	if printable(f.Payload) {
		body = string(f.Payload)
	}
	tp.decorate(file, f.Payload, &j, &body)
	if asJSON {
		if printable(f.Payload) {
			s := string(f.Payload)
			j.Text = &s
		}
		b, _ := json.Marshal(j)
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	fmt.Fprintf(w, "%s\t%.3fs\t%s\tsnr %.1f dB\t%s\n", file, f.Start.Seconds(), f.Profile, f.SNR, body)
}
