// Command warble chirps short tokens as sound, flashes them as light, draws
// them as QR codes, and pairs two devices with them.
//
// The commands, in the order 'warble help' lists them:
//
//	encode        turn a payload into a WAV transmission
//	decode        find and verify transmissions in WAV files
//	bench         decode WAV fixtures, score them against .expect files, time the decoder
//	send          chirp a payload from the speaker
//	listen        hear transmissions on the microphone
//	devices       list the sound devices send and listen can use
//	flash         flash a payload as light: levels per display refresh, or a web page
//	flash-decode  find and verify flashed transmissions in a light trace or camera frames
//	qr            draw TEXT as a QR code in the terminal or a PNG
//	qr-decode     read the QR code in an image
//	pair          pair with another device by a short code (host or join)
//	peers         list the paired devices
//	unpair        forget a paired device
//	connect       connect to a paired device (no code needed)
//	accept        wait for a paired device to connect
//	relay         run a WebSocket rendezvous relay for pairing across networks
//	serve         serve warble's browser pages (listen, send, flash, QR) and a relay
//	profiles      list the profiles with their band, rate and airtime
//
// For example:
//
//	warble encode [-profile room|audible|fast|ultrasonic|ggwave-…|bell103|bell202] [-rate 48000] [-hex] [-o out.wav] PAYLOAD
//	warble decode [-profile auto|NAME] [-json] FILE...
//
// 'warble <command> -h' shows a command's flags; -profile names every
// profile it accepts. Each file of this package holds one command.
//
// Exit status: 0 success, 1 nothing found, 2 usage error or unreadable input.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// command is one subcommand: its name, the line 'warble help' prints for it,
// and the function that parses its flags and runs it. Each lives in a file
// of its own.
type command struct {
	name    string
	summary string // one line for the usage text
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

// commands is every command, in the order 'warble help' lists them (and
// the package doc, which a test keeps in step). A new command is a file of
// its own and one line here.
var commands = []command{
	{name: "encode", summary: "turn a payload into a WAV transmission", run: cmdEncode},
	{name: "decode", summary: "find and verify transmissions in WAV files", run: cmdDecode},
	{name: "bench", summary: "decode WAV fixtures, score them against .expect files, time the decoder", run: cmdBench},
	{name: "send", summary: "chirp a payload from the speaker", run: cmdSend},
	{name: "listen", summary: "hear transmissions on the microphone", run: cmdListen},
	{name: "devices", summary: "list the sound devices send and listen can use", run: cmdDevices},
	{name: "flash", summary: "flash a payload as light: levels per display refresh, or a web page", run: cmdFlash},
	{name: "flash-decode", summary: "find and verify flashed transmissions in a light trace or camera frames", run: cmdFlashDecode},
	{name: "qr", summary: "draw TEXT as a QR code in the terminal or a PNG", run: cmdQR},
	{name: "qr-decode", summary: "read the QR code in an image", run: cmdQRDecode},
	{name: "pair", summary: "pair with another device by a short code (host or join)", run: cmdPair},
	{name: "peers", summary: "list the paired devices", run: cmdPeers},
	{name: "unpair", summary: "forget a paired device", run: cmdUnpair},
	{name: "connect", summary: "connect to a paired device (no code needed)", run: cmdConnect},
	{name: "accept", summary: "wait for a paired device to connect", run: cmdAccept},
	{name: "relay", summary: "run a WebSocket rendezvous relay for pairing across networks", run: cmdRelay},
	{name: "serve", summary: "serve warble's browser pages (listen, send, flash, QR) and a relay", run: cmdServe},
	{name: "profiles", summary: "list the profiles with their band, rate and airtime", run: func(args []string, _ io.Reader, stdout, stderr io.Writer) error {
		return cmdProfiles(args, stdout, stderr)
	}},
}

// lookup returns the command called name.
func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usageText lists the commands in their order.
func usageText() string {
	var b strings.Builder
	b.WriteString("usage: warble <command> [flags] [args]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-13s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun 'warble <command> -h' for the flags of a command.\n")
	return b.String()
}

// exitError carries an exit status and the lines to print for it.
type exitError struct {
	code  int
	msg   string
	hints []string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole command line, with its streams passed in for tests.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "warble: error: internal error: %v\n", r)
			fmt.Fprintf(stderr, "warble: hint: this is a bug in warble; please report it with the command and input\n")
			code = 2
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText())
		return 2
	}
	var err error
	switch name, rest := args[0], args[1:]; name {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usageText())
		return 0
	default:
		c, ok := lookup(name)
		if !ok {
			fmt.Fprint(stderr, usageText())
			err = usageErr("unknown command %q", name)
			break
		}
		err = c.run(rest, stdin, stdout, stderr)
	}
	if err == nil {
		return 0
	}
	if e, ok := err.(*exitError); ok {
		if e.msg != "" {
			fmt.Fprintf(stderr, "warble: error: %s\n", e.msg)
		}
		for _, h := range e.hints {
			fmt.Fprintf(stderr, "warble: hint: %s\n", h)
		}
		return e.code
	}
	fmt.Fprintf(stderr, "warble: error: %v\n", err)
	return 2
}
