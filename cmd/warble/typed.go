package main

// This file carries standard payloads (NDEF, Bluetooth OOB, Wi-Fi, DPP,
// Matter) through the commands: -type on encode, send, flash and qr, and
// their recognition in what decode, listen, flash-decode and qr-decode
// find. A typed payload travels in frames as an NDEF message (split
// across frames when it is longer than one); see payload.IsTyped for the
// rule that keeps plain tokens plain.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"warble/modem"
	"warble/payload"
)

// typedArgs are the flags of the commands that send a payload.
type typedArgs struct {
	kind   string
	asJSON bool
}

func (a *typedArgs) add(fs *flag.FlagSet) {
	fs.StringVar(&a.kind, "type", "", "send a standard payload: "+strings.Join(payload.Kinds, ", ")+" (PAYLOAD is its text form, or with -json its fields)")
	fs.BoolVar(&a.asJSON, "json", false, "with -type, PAYLOAD is a JSON object of the payload's fields (the only form for bt-oob and ble-oob)")
}

// typed reads PAYLOAD as the -type payload; ok is false without -type.
func (a typedArgs) typed(arg string, isHex bool, stdin io.Reader) (t payload.Typed, ok bool, err error) {
	if a.kind == "" {
		if a.asJSON {
			return t, false, usageErr("-json needs -type: it gives a typed payload's fields")
		}
		return t, false, nil
	}
	if isHex {
		return t, false, usageErr("-hex and -type do not go together: a typed PAYLOAD is text or JSON")
	}
	known := false
	for _, k := range payload.Kinds {
		known = known || k == a.kind
	}
	if !known {
		return t, false, usageErr("-type %q: want one of %s", a.kind, strings.Join(payload.Kinds, ", "))
	}
	text := arg
	if arg == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
		if err != nil {
			return t, false, fmt.Errorf("reading payload from stdin: %w", err)
		}
		text = string(bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r")))
	}
	if a.asJSON {
		t, err = payload.FromJSON(a.kind, []byte(text))
	} else {
		t, err = payload.ParseTextForm(a.kind, text)
	}
	if err != nil {
		hints := []string{"see 'warble encode -h' and the README's section on standard payloads for each type's form"}
		if !a.asJSON && (a.kind == payload.KindBTOOB || a.kind == payload.KindBLEOOB) {
			hints = []string{`give its fields with -json, e.g. -json '{"address":"00:0C:78:51:C4:06","role":0}'`}
		}
		return t, false, &exitError{code: 2, msg: strings.TrimPrefix(err.Error(), "payload: "), hints: hints}
	}
	return t, true, nil
}

// typedFrames returns the frames that carry t, each at most max bytes.
func typedFrames(t payload.Typed, max int) ([][]byte, error) {
	frames, err := payload.Split(t.Message, max)
	if err != nil {
		return nil, &exitError{code: 2, msg: strings.TrimPrefix(err.Error(), "payload: ")}
	}
	return frames, nil
}

// frameGap is the silence (or idle light) between the frames of a split
// payload.
const frameGap = 300 * time.Millisecond

// transmissionFrames is transmission for several frames, frameGap apart.
func transmissionFrames(p modem.Profile, frames [][]byte, repeat int, gap, lead time.Duration) ([]float32, error) {
	enc, err := modem.NewEncoder(p, deviceRate)
	if err != nil {
		return nil, err
	}
	samples := make([]float32, int(lead.Seconds()*deviceRate))
	for i := range repeat {
		if i > 0 {
			samples = append(samples, make([]float32, int(gap.Seconds()*deviceRate))...)
		}
		for j, f := range frames {
			if j > 0 {
				samples = append(samples, make([]float32, int(frameGap.Seconds()*deviceRate))...)
			}
			if samples, err = enc.Encode(samples, f); err != nil {
				return nil, err
			}
		}
	}
	return samples, nil
}

// typedPrinter recognises typed frames among those a command prints and
// joins split ones. Not safe for concurrent use.
type typedPrinter struct {
	r      payload.Reassembler
	stderr io.Writer
	failed int
}

func newTypedPrinter(stderr io.Writer) *typedPrinter { return &typedPrinter{stderr: stderr} }

// decorate looks at one frame's payload: for a typed one it sets the JSON
// fields (payload, or part) and the text body.
func (tp *typedPrinter) decorate(file string, b []byte, j *frameJSON, body *string) {
	for _, e := range tp.r.Add(b) {
		switch e.Status {
		case payload.Part:
			j.Part = e.Parts
			*body = fmt.Sprintf("(part %d of a split NDEF message)", e.Parts)
		case payload.Done:
			raw, err := json.Marshal(e.Typed)
			if err != nil {
				continue
			}
			j.Payload = raw
			*body = e.Typed.Line()
			if e.Parts > 1 {
				j.Parts = e.Parts
				*body += fmt.Sprintf("\t(%d frames)", e.Parts)
			}
		case payload.Failed:
			tp.fail(file, e.Err)
		}
	}
}

func (tp *typedPrinter) fail(file string, err error) {
	tp.failed++
	fmt.Fprintf(tp.stderr, "warble: error: %s: %s\n", file, strings.TrimPrefix(err.Error(), "payload: "))
}

// flush reports a split payload still waiting for parts.
func (tp *typedPrinter) flush(file string) {
	for _, e := range tp.r.Flush() {
		tp.fail(file, e.Err)
	}
}

// err is exit status 1 when a typed payload was lost or malformed.
func (tp *typedPrinter) err() error {
	if tp.failed == 0 {
		return nil
	}
	return &exitError{code: 1, msg: fmt.Sprintf("%d typed payload(s) incomplete or malformed", tp.failed),
		hints: []string{"a split payload needs every one of its frames: send it again (send -repeat 2) and keep listening until all have come"}}
}

// qrTyped prints the text of a QR code, recognising typed payloads.
func printQRText(w io.Writer, file, text string, asJSON bool, stderr io.Writer) {
	t, ok, err := payload.ParseQRText(text)
	if ok && err != nil {
		fmt.Fprintf(stderr, "warble: warning: %s: the QR code looks like a typed payload but is not one: %s\n", file, strings.TrimPrefix(err.Error(), "payload: "))
		ok = false
	}
	if !asJSON {
		if ok {
			fmt.Fprintln(w, t.Line())
			return
		}
		fmt.Fprintln(w, text)
		return
	}
	j := struct {
		File    string          `json:"file"`
		Text    string          `json:"text"`
		Payload json.RawMessage `json:"payload,omitempty"`
	}{File: file, Text: text}
	if ok {
		if raw, err := json.Marshal(t); err == nil {
			j.Payload = raw
		}
	}
	b, _ := json.Marshal(j)
	fmt.Fprintf(w, "%s\n", b)
}
