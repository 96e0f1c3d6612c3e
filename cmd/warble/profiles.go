package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"warble/modem"
)

func init() {
	register(command{name: "profiles", order: 90, summary: "list the profiles with their band, rate and airtime", run: func(args []string, _ io.Reader, stdout, stderr io.Writer) error {
		return cmdProfiles(args, stdout, stderr)
	}})
}

func cmdProfiles(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("profiles", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tBAND\tTONES\tSYMBOL\tSYMBOL RATE\tNET BIT RATE\tAIRTIME 16 B\tMIN SAMPLE RATE")
	for _, p := range modem.Profiles() {
		lo, hi := p.BandHz()
		air, _ := p.Airtime(16)
		minRate := 0
		for _, r := range []int{8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000} {
			if p.Validate(r) == nil {
				minRate = r
				break
			}
		}
		fmt.Fprintf(tw, "%s\t%.0f–%.0f Hz\t%d\t%v\t%.1f baud\t%.0f bit/s\t%.3f s\t%d Hz\n",
			p.Name, lo, hi, p.Tones.Count, p.Tones.Symbol, 1/p.Tones.SymbolSeconds(), p.NetBitRate(), air.Seconds(), minRate)
	}
	return tw.Flush()
}
