package main

import (
	"errors"
	"fmt"
	"io"

	"warble/pairing"
)

func cmdUnpair(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("unpair", stderr)
	state := fs.String("state", "", "state directory (default: warble under the user's config directory)")
	asJSON := fs.Bool("json", false, "print a JSON event")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: warble unpair [-state DIR] [-json] FP")
		fmt.Fprintln(stderr, "FP is a peer's fingerprint, a unique prefix of 8 or more characters, or its name, as 'warble peers' lists them.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageErr("unpair takes exactly one peer (got %d)", fs.NArg())
	}
	store, _, err := openState(*state)
	if err != nil {
		return err
	}
	p, err := store.RemovePeer(fs.Arg(0))
	if errors.Is(err, pairing.ErrUnknownPeer) {
		return &exitError{code: 1, msg: fmt.Sprintf("no paired peer %q", fs.Arg(0)), hints: []string{"'warble peers' lists the paired peers"}}
	}
	if err != nil {
		if errors.Is(err, pairing.ErrCorruptState) {
			return stateErr(err)
		}
		return &exitError{code: 2, msg: err.Error()}
	}
	events{w: stdout, asJSON: *asJSON}.emit("unpaired", map[string]any{"peer": p.Fingerprint, "peer_name": p.Name},
		fmt.Sprintf("forgot %q (%s)", p.Name, p.Fingerprint))
	return nil
}
