package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"warble/modem"
)

func cmdProfiles(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("profiles", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	auto := map[string]bool{}
	for _, p := range modem.AutoProfiles() {
		auto[p.Name] = true
	}
	all := append(append(modem.Profiles(), modem.GGWaveProfiles()...), modem.BellProfiles()...)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tFORMAT\tIN AUTO\tBAND\tTONES\tSYMBOL\tNET BIT RATE\tAIRTIME 16 B\tMIN SAMPLE RATE")
	for _, p := range all {
		lo, hi := p.BandHz()
		air, _ := p.Airtime(16)
		minRate := 0
		for _, r := range []int{8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000} {
			if p.Validate(r) == nil {
				minRate = r
				break
			}
		}
		format, tones, symbol := "warble", fmt.Sprint(p.Tones.Count), p.Tones.Symbol.String()
		switch p.Family {
		case modem.GGWave:
			format, tones, symbol = "ggwave", "-", "-"
		case modem.Bell:
			format, tones, symbol = "bell (unverified)", "2", fmt.Sprintf("%g baud", p.Bell.Baud)
		}
		inAuto := "no"
		if auto[p.Name] {
			inAuto = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f–%.0f Hz\t%s\t%s\t%.0f bit/s\t%.3f s\t%d Hz\n",
			p.Name, format, inAuto, lo, hi, tones, symbol, p.NetBitRate(), air.Seconds(), minRate)
	}
	return tw.Flush()
}
