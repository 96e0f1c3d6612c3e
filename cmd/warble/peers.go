package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

func cmdPeers(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("peers", stderr)
	state := fs.String("state", "", "state directory (default: warble under the user's config directory)")
	asJSON := fs.Bool("json", false, "print one JSON object per peer")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: warble peers [-state DIR] [-json]")
		fmt.Fprintln(stderr, "Lists this device's fingerprint and the devices it has paired with.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("peers takes no arguments (got %q)", fs.Args())
	}
	store, self, err := openState(*state)
	if err != nil {
		return err
	}
	peers, err := store.Peers()
	if err != nil {
		return stateErr(err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.Encode(map[string]any{"event": "self", "fingerprint": self.Fingerprint()})
		for _, p := range peers {
			enc.Encode(map[string]any{"event": "peer", "fingerprint": p.Fingerprint, "name": p.Name, "kind": p.Kind,
				"transports": p.Transports, "via": p.Via, "relay": p.Relay, "paired_at": p.PairedAt.Format(time.RFC3339)})
		}
		return nil
	}
	fmt.Fprintf(stdout, "this device: %s\n", self.Fingerprint())
	if len(peers) == 0 {
		fmt.Fprintln(stdout, "no paired peers")
		return nil
	}
	for _, p := range peers {
		via := p.Via
		if p.Relay != "" {
			via += " " + p.Relay
		}
		fmt.Fprintf(stdout, "%s  %-20s  %-10s  paired %s over %s\n", p.Fingerprint, p.Name, strings.Join(p.Transports, ","),
			p.PairedAt.Local().Format("2006-01-02 15:04"), via)
	}
	return nil
}
