package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"warble/optical/qr"
)

func cmdQRDecode(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("qr-decode", stderr)
	asJSON := fs.Bool("json", false, "print a JSON object: file, text, and payload for a standard payload")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: warble qr-decode [-json] FILE.png")
		fmt.Fprintln(stderr, "WIFI:, DPP: and MT: codes, URIs and warble's typed payloads are shown by their fields.")
		fmt.Fprintln(stderr, "FILE is a PNG, JPEG or GIF image; - reads it from stdin.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageErr("qr-decode takes exactly one FILE (got %d)", fs.NArg())
	}
	name := fs.Arg(0)
	var src io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return &exitError{code: 2, msg: err.Error()}
		}
		defer f.Close()
		src = f
	}
	text, err := qr.Decode(src)
	switch {
	case errors.Is(err, qr.ErrNotFound):
		return &exitError{code: 1, msg: fmt.Sprintf("%s: no QR code found", name), hints: []string{"crop to the code, light it evenly and keep it in focus"}}
	case err != nil:
		return &exitError{code: 2, msg: fmt.Sprintf("%s: %v", name, err)}
	}
	printQRText(stdout, name, text, *asJSON, stderr)
	return nil
}
