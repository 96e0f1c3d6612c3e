package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"warble/codec"
	"warble/internal/wav"
	"warble/modem"
)

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("warble "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses and turns -h and bad flags into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	// Flags may come after the arguments too ("warble decode a.wav -json"):
	// parse, set aside the first argument, and go on with what follows it,
	// until the arguments run out or a "--" says that the rest are arguments.
	var pos []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return &exitError{code: 0}
			}
			return &exitError{code: 2, msg: fmt.Sprintf("%s: %v", fs.Name(), err)}
		}
		left := fs.Args()
		if used := len(rest) - len(left); used > 0 && rest[used-1] == "--" {
			pos = append(pos, left...)
			break
		}
		if len(left) == 0 {
			break
		}
		pos, rest = append(pos, left[0]), left[1:]
	}
	// Leave fs.Args() holding just the arguments.
	return fs.Parse(append([]string{"--"}, pos...))
}

// payloadArg reads PAYLOAD: text, hex with isHex, or stdin for "-".
func payloadArg(arg string, isHex bool, stdin io.Reader) ([]byte, error) {
	raw := []byte(arg)
	if arg == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
		if err != nil {
			return nil, fmt.Errorf("reading payload from stdin: %w", err)
		}
		raw = bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r"))
	}
	if isHex {
		s := strings.Join(strings.Fields(string(raw)), "")
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, usageErr("payload is not valid hex: %v", err)
		}
		raw = b
	}
	if len(raw) < 1 || len(raw) > codec.MaxPayload {
		return nil, &exitError{code: 2, msg: fmt.Sprintf("payload is %d bytes; warble carries 1 to %d", len(raw), codec.MaxPayload),
			hints: []string{"pairing codes are about 16 bytes; send longer data over the connection the pairing sets up"}}
	}
	return raw, nil
}

func cmdEncode(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("encode", stderr)
	profile := profileFlag(fs, "room", false)
	rate := fs.Int("rate", 48000, "sample rate in Hz (8000..96000)")
	isHex := fs.Bool("hex", false, "PAYLOAD is hex")
	out := fs.String("o", toStdout, "write the WAV to this file (- for stdout)")
	var ta typedArgs
	ta.add(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: warble encode [-profile room|audible|fast|ultrasonic|ggwave-…|bell103|bell202] [-rate 48000] [-hex | -type TYPE [-json]] [-o out.wav] PAYLOAD")
		fmt.Fprintln(stderr, "PAYLOAD is text, or hex with -hex; - reads it from stdin.")
		fmt.Fprintln(stderr, "With -type it is a standard payload (ndef-text, ndef-uri, bt-oob, ble-oob, wifi, dpp, matter, or ndef: any NDEF message in hex) in its text form, or its fields as JSON with -json.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageErr("encode takes exactly one PAYLOAD (got %d)", fs.NArg())
	}
	if *rate < 8000 || *rate > 96000 {
		return usageErr("sample rate %d Hz is outside 8000..96000", *rate)
	}
	p, err := modem.Lookup(*profile)
	if err != nil {
		return usageErr("%v", err)
	}
	typed, isTyped, err := ta.typed(fs.Arg(0), *isHex, stdin)
	if err != nil {
		return err
	}
	var payload []byte
	if !isTyped {
		if payload, err = payloadArg(fs.Arg(0), *isHex, stdin); err != nil {
			return err
		}
	}
	enc, err := modem.NewEncoder(p, *rate)
	if err != nil {
		return &exitError{code: 2, msg: err.Error(), hints: []string{"run 'warble profiles' to see which rates each profile needs"}}
	}
	frames := [][]byte{payload}
	if isTyped {
		if frames, err = typedFrames(typed, enc.MaxPayload()); err != nil {
			return err
		}
	} else if len(payload) > enc.MaxPayload() {
		return &exitError{code: 2, msg: fmt.Sprintf("payload is %d bytes; profile %s carries 1 to %d", len(payload), p.Name, enc.MaxPayload())}
	}
	pad := *rate / 25 // 40 ms of silence each side
	samples := make([]float32, pad, pad+int(enc.Airtime(len(frames[0])).Seconds()*float64(*rate))+2*pad)
	for i, f := range frames {
		if i > 0 {
			samples = append(samples, make([]float32, int(frameGap.Seconds()*float64(*rate)))...)
		}
		if samples, err = enc.Encode(samples, f); err != nil {
			return err
		}
	}
	samples = append(samples, make([]float32, pad)...)
	return writeOutput(*out, stdout, func(w io.Writer) error { return wav.Encode(w, samples, *rate) })
}
