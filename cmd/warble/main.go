// Command warble chirps short tokens as sound and hears them back.
//
//	warble encode [-profile audible|fast|ultrasonic] [-rate 48000] [-hex] [-o out.wav] PAYLOAD
//	warble decode [-profile auto|NAME] [-json] FILE...
//	warble profiles
//
// Exit status: 0 success, 1 nothing found, 2 usage error or unreadable input.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage: warble <command> [flags] [args]

commands:
  encode    turn a payload into a WAV transmission
  decode    find and verify transmissions in WAV files
  profiles  list the profiles with their band, rate and airtime

Run 'warble <command> -h' for the flags of a command.
`

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
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "encode":
		err = cmdEncode(rest, stdin, stdout, stderr)
	case "decode":
		err = cmdDecode(rest, stdin, stdout, stderr)
	case "profiles":
		err = cmdProfiles(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprint(stderr, usage)
		err = usageErr("unknown command %q", cmd)
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
