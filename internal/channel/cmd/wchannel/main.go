// Command wchannel passes a WAV file through warble's channel simulator, for
// demonstrations and by-hand experiments:
//
//	wchannel [-snr dB] [-skew ppm] [-rate Hz] [-rt60 d] [-drr dB] [-low Hz] [-high Hz] [-gain dB] [-seed N] in.wav out.wav
//
// The whole input counts as the transmission when the SNR is set, except
// leading and trailing silence.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"warble/internal/channel"
	"warble/internal/wav"
)

func main() {
	snr := flag.Float64("snr", math.NaN(), "full-band SNR of added white noise, dB (unset: no noise)")
	skew := flag.Float64("skew", 0, "sender clock skew, ppm")
	rate := flag.Int("rate", 0, "resample to this rate, Hz")
	rt60 := flag.Duration("rt60", 0, "room reverberation time")
	drr := flag.Float64("drr", 0, "direct-to-reverberant ratio, dB")
	low := flag.Float64("low", 0, "highpass corner, Hz")
	high := flag.Float64("high", 0, "lowpass corner, Hz")
	gain := flag.Float64("gain", 0, "gain before clipping, dB")
	seed := flag.Uint64("seed", 1, "noise seed")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: wchannel [flags] in.wav out.wav")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1), channel.Config{
		SNRdB: *snr, Noise: !math.IsNaN(*snr), SkewPPM: *skew, ReceiveRateHz: *rate,
		RT60: *rt60, DirectToReverbDB: *drr, LowHz: *low, HighHz: *high, GainDB: *gain,
	}, *seed); err != nil {
		fmt.Fprintf(os.Stderr, "wchannel: error: %v\n", err)
		os.Exit(2)
	}
}

func run(in, out string, c channel.Config, seed uint64) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	x, fs, err := wav.ReadAll(f)
	f.Close()
	if err != nil {
		return err
	}
	if c.Noise {
		// Measure the SNR over the transmission, not the silence around it.
		s := channel.ActiveSpan(x, -40)
		body := x[s.Start:s.End]
		lead, tail := s.Start, len(x)-s.End
		c.PadBefore = secs(lead, fs)
		c.PadAfter = secs(tail, fs)
		x = body
	}
	if err := c.Validate(fs); err != nil {
		return err
	}
	y := c.Apply(x, fs, rand.New(rand.NewPCG(seed, 0x5eed)))
	if c.ReceiveRateHz != 0 {
		fs = c.ReceiveRateHz
	}
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(o)
	if err := wav.Encode(w, y, fs); err != nil {
		o.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		o.Close()
		return err
	}
	return o.Close()
}

func secs(n, fs int) time.Duration {
	return time.Duration(float64(n) / float64(fs) * float64(time.Second))
}
