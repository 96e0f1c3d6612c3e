package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"warble/optical/qr"
)

func cmdQR(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("qr", stderr)
	out := fs.String("o", "", "write a PNG to this file (- for stdout) instead of drawing in the terminal")
	size := fs.Int("size", 256, "PNG width and height in pixels")
	var ta typedArgs
	ta.add(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: warble qr [-o out.png] [-size N] [-type TYPE [-json]] TEXT")
		fmt.Fprintln(stderr, "TEXT - reads it from stdin. With -type, TEXT is a standard payload; Wi-Fi, DPP and Matter")
		fmt.Fprintln(stderr, "codes are drawn in their own text forms, which phone cameras read.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageErr("qr takes exactly one TEXT (got %d)", fs.NArg())
	}
	text := fs.Arg(0)
	if typed, ok, err := ta.typed(text, false, stdin); err != nil {
		return err
	} else if ok {
		if text, err = typed.QRText(); err != nil {
			return &exitError{code: 2, msg: strings.TrimPrefix(err.Error(), "payload: ")}
		}
	} else if text == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, qr.MaxText+3))
		if err != nil {
			return fmt.Errorf("reading text from stdin: %w", err)
		}
		text = string(bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r")))
	}
	if *out == "" {
		s, err := qr.Terminal(text)
		if err != nil {
			return usageErr("%v", err)
		}
		_, err = io.WriteString(stdout, s)
		return err
	}
	png, err := qr.PNG(text, *size)
	if err != nil {
		return usageErr("%v", err)
	}
	return writeOutput(*out, stdout, func(w io.Writer) error {
		_, err := w.Write(png)
		return err
	})
}
