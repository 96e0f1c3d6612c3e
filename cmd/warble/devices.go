package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"warble/internal/audio"
)

func cmdDevices(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("devices", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: warble devices")
		fmt.Fprintln(stderr, "Lists input and output devices with their default rates and channel counts; * marks the defaults.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return usageErr("devices takes no arguments")
	}
	devs, err := audio.Devices()
	if err != nil {
		return deviceErr(&audio.DeviceError{Err: err}, false)
	}
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "INDEX\tNAME\tHOST API\tIN\tOUT\tDEFAULT RATE\tDEFAULT")
	for _, d := range devs {
		def := ""
		switch {
		case d.DefaultInput && d.DefaultOutput:
			def = "* input, output"
		case d.DefaultInput:
			def = "* input"
		case d.DefaultOutput:
			def = "* output"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%.0f Hz\t%s\n", d.Index, d.Name, d.HostAPI, d.InputChannels, d.OutputChannels, d.DefaultRateHz, def)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(devs) == 0 {
		fmt.Fprintln(stderr, "warble: no sound devices found; on a machine without a sound card, bash scripts/setup-audio.sh starts PulseAudio with a null sink")
	}
	return nil
}
