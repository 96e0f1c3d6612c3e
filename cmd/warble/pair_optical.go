package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"warble/optical"
	"warble/optical/qr"
	"warble/pairing"
	"warble/payload"
)

// This file carries pairing codes by light: the host writes the pairing
// URI as a QR code, or the code as flashed levels or a flashing web page;
// the joiner reads the QR code from an image, or the flashed code from a
// light sensor's trace.

// qrSize is the side in pixels of the QR code images the host writes.
const qrSize = 512

// hostOptical is what the host writes for the optical challenges.
type hostOptical struct {
	qrFile      string          // PNG of the pairing URI; "" draws it in the terminal
	levelsFile  string          // flashed levels, one per refresh
	htmlFile    string          // a page that flashes the code
	flashMode   optical.Profile // the flash profile
	refreshHz   float64
	canFlash    bool // levelsFile or htmlFile is set
	warnFlashed io.Writer
}

// pairURI is the URI for code on the host's side: the LAN or its relay.
func pairURI(code pairing.Code, via string) pairing.URI {
	if via == "lan" {
		return pairing.URI{Code: code, Via: pairing.ViaLAN}
	}
	return pairing.URI{Code: code, Via: via}
}

// writeQR writes the URI's QR code to the host's file, or returns it drawn
// for the terminal.
func (o hostOptical) writeQR(u pairing.URI) (art string, err error) {
	if o.qrFile == "" {
		return qr.Terminal(u.String())
	}
	png, err := qr.PNG(u.String(), qrSize)
	if err != nil {
		return "", err
	}
	return "", writeFileAtomic(o.qrFile, func(w io.Writer) error {
		_, err := w.Write(png)
		return err
	})
}

// writeFlash writes the code, in its compact form, as the host's levels
// file and web page, whichever are set, and returns the seconds one
// transmission takes.
func (o hostOptical) writeFlash(code pairing.Code) (float64, error) {
	payload := code.Compact()
	if payload == nil {
		return 0, fmt.Errorf("%q has no compact form to flash", code)
	}
	lv, err := o.flashMode.Levels(nil, payload)
	if err != nil {
		return 0, err
	}
	if o.flashMode.Name == optical.Full.Name && o.warnFlashed != nil {
		fmt.Fprintln(o.warnFlashed, "warble: warning: -flash-mode full flashes black and white up to 30 times a second and can trigger seizures in people with photosensitive epilepsy; use -flash-mode safe near anyone who may be affected")
	}
	if o.levelsFile != "" {
		err := writeFileAtomic(o.levelsFile, func(w io.Writer) error {
			bw := bufio.NewWriter(w)
			for _, l := range lv {
				bw.WriteString(strconv.FormatFloat(math.Round(l*1e6)/1e6, 'f', -1, 64))
				bw.WriteByte('\n')
			}
			return bw.Flush()
		})
		if err != nil {
			return 0, err
		}
	}
	if o.htmlFile != "" {
		err := writeFileAtomic(o.htmlFile, func(w io.Writer) error {
			return writeFlashPage(w, o.flashMode, lv, o.refreshHz, len(payload))
		})
		if err != nil {
			return 0, err
		}
	}
	return float64(len(lv)) / o.refreshHz, nil
}

// files lists the flash files the host writes.
func (o hostOptical) files() []string {
	var out []string
	for _, f := range []string{o.levelsFile, o.htmlFile} {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// writeFileAtomic writes name through a temporary file in the same folder,
// renamed into place, so a reader never sees half of it. The file is
// readable by its owner only (0600): a QR code, flash levels or flashing
// page carries the 128-bit pairing secret.
func writeFileAtomic(name string, write func(io.Writer) error) error {
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	tmp := f.Name()
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o600)
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

// opticalErr is a QR image or light trace the joiner could not use: exit
// status 1 when it holds nothing (no QR code, no transmission), 2 when it
// is unreadable or holds something that is not a warble code.
func opticalErr(found bool, msg string, hints ...string) error {
	code := 2
	if !found {
		code = 1
	}
	return &exitError{code: code, msg: msg, hints: hints}
}

// readQRInvite reads the pairing URI from the QR code in an image file.
func readQRInvite(name string) (pairing.URI, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return pairing.URI{}, opticalErr(true, fmt.Sprintf("-qr: %v", err))
	}
	text, err := qr.DecodeBytes(b)
	switch {
	case errors.Is(err, qr.ErrNotFound):
		return pairing.URI{}, opticalErr(false, fmt.Sprintf("-qr %s: no QR code found", name),
			"crop the image to the code, light it evenly and keep it in focus")
	case err != nil:
		return pairing.URI{}, opticalErr(true, fmt.Sprintf("-qr %s: %v", name, err))
	}
	if inner, ok := payload.PairInvite([]byte(text)); ok {
		text = string(inner)
	}
	u, err := pairing.ParseURI(text)
	if err != nil {
		return pairing.URI{}, opticalErr(true, fmt.Sprintf("-qr %s: the QR code holds %.60q, %v", name, text, strings.TrimPrefix(err.Error(), "pairing: ")),
			"scan the QR code that 'warble pair host -qr' wrote")
	}
	return u, nil
}

// readFlashInvite reads a flashed code, or pairing URI, from a light
// sensor's trace (CSV t,value lines).
func readFlashInvite(name string, refreshHz float64) (pairing.URI, error) {
	f, err := os.Open(name)
	if err != nil {
		return pairing.URI{}, opticalErr(true, fmt.Sprintf("-flash: %v", err))
	}
	defer f.Close()
	frames, err := optical.DecodeTrace(f, refreshHz)
	if err != nil {
		return pairing.URI{}, &exitError{code: 2, msg: fmt.Sprintf("-flash %s: %v", name, err), hints: flashHints(err)}
	}
	if len(frames) == 0 {
		return pairing.URI{}, opticalErr(false, fmt.Sprintf("-flash %s: no flashed code found in the trace", name),
			"hold the sensor against the flashing screen for a whole transmission, shade it from lamps, and check -refresh matches the display")
	}
	for _, fr := range frames {
		if u, ok := parseInvite(fr.Payload); ok {
			return u, nil
		}
	}
	return pairing.URI{}, opticalErr(true, fmt.Sprintf("-flash %s: the flashed payload %.60q is not a warble code", name, frames[0].Payload),
		"record the page or levels that 'warble pair host -flash-html' or '-flash-levels' wrote")
}

// parseInvite reads a flashed payload: a code in compact form (as the host
// flashes it) or as text, or a pairing URI, each bare or in an NDEF
// warble.dev:pair record (as an NFC tag holds it). Via is empty but for a
// URI.
func parseInvite(b []byte) (pairing.URI, bool) {
	if inner, ok := payload.PairInvite(b); ok {
		b = inner
	}
	if c, err := pairing.ParseCompact(b); err == nil {
		return pairing.URI{Code: c}, true
	}
	s := string(b)
	if strings.HasPrefix(s, "warble:") {
		u, err := pairing.ParseURI(s)
		return u, err == nil
	}
	c, err := pairing.ParseCode(s)
	if err != nil || c.String() != s {
		return pairing.URI{}, false
	}
	return pairing.URI{Code: c}, true
}

// waitForFile waits until name exists and its size has stopped changing,
// for a file that the host (or a camera, or a sensor) writes while the
// joiner waits.
func waitForFile(ctx context.Context, name string) error {
	last := int64(-1)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		st, err := os.Stat(name)
		switch {
		case err == nil && st.Mode().IsRegular() && st.Size() > 0 && st.Size() == last:
			return nil
		case err == nil:
			last = st.Size()
		case !errors.Is(err, os.ErrNotExist):
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", name, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// lateInvite is the joiner's -qr or -flash file.
type lateInvite struct {
	kind      string // pairing.ChallengeQR or pairing.ChallengeFlash; "" for none
	file      string
	refreshHz float64
}

func (l lateInvite) read() (pairing.URI, error) {
	if l.kind == pairing.ChallengeFlash {
		return readFlashInvite(l.file, l.refreshHz)
	}
	return readQRInvite(l.file)
}
