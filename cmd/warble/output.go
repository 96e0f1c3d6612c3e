package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

// toStdout is the output file name that means standard output, as in
// "warble encode -o - hello | aplay".
const toStdout = "-"

// writeOutput hands write a buffered writer to the file name, created or
// truncated, or to stdout when name is "-", and flushes and closes it.
func writeOutput(name string, stdout io.Writer, write func(io.Writer) error) error {
	if name == toStdout {
		w := bufio.NewWriterSize(stdout, 1<<16)
		if err := write(w); err != nil {
			return fmt.Errorf("writing to stdout: %w", err)
		}
		if err := w.Flush(); err != nil {
			return fmt.Errorf("writing to stdout: %w", err)
		}
		return nil
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	if err := write(w); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return f.Close()
}
