// Command wchannel passes a WAV file through warble's channel simulator, for
// demonstrations and by-hand experiments:
//
//	wchannel [-snr dB] [-skew ppm] [-rate Hz] [-rt60 d] [-drr dB] [-low Hz] [-high Hz] [-gain dB] [-seed N] in.wav out.wav
//	wchannel -room name|LxWxH [-rt60 d] [-distance m] [-spl dB] [-fullscale dB] [-ambient kind] [-dba dB] [-speaker name] [-mic name] [-seed N] in.wav out.wav
//
// The first form is the statistical channel (channel.Config): the whole
// input counts as the transmission when the SNR is set, except leading and
// trailing silence.
//
// The second plays the input in a room (channel.Scene): a named room
// (small-office, living-room, hall) or a shoebox of LxWxH metres with
// reverberation time -rt60, the loudspeaker at -spl dB SPL (at 1 m, over the
// input's active span) and the microphone -distance metres away, with
// -ambient sound (none, pink, babble, music) at -dba dB(A) and the named
// -speaker and -mic responses (flat, phone-speaker, laptop-mic, phone-mic,
// headset). For example:
//
//	wchannel -room living-room -distance 3 -spl 70 -ambient babble -dba 50 -speaker phone-speaker tx.wav rx.wav
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
	room := flag.String("room", "", "play in a room: small-office, living-room, hall, or LxWxH in metres (with -rt60)")
	distance := flag.Float64("distance", 1, "with -room: loudspeaker to microphone, metres")
	spl := flag.Float64("spl", 70, "with -room: loudspeaker level at 1 m, dB SPL")
	fullScale := flag.Float64("fullscale", channel.DefaultMicFullScaleSPL, "with -room: level of the microphone's full-scale sine, dB SPL")
	ambient := flag.String("ambient", "none", "with -room: ambient sound: none, pink, babble or music")
	dba := flag.Float64("dba", 35, "with -room: ambient level, dB(A) SPL")
	speaker := flag.String("speaker", "flat", "with -room: loudspeaker response: flat, phone-speaker, laptop-mic, phone-mic, headset")
	mic := flag.String("mic", "flat", "with -room: microphone response (as -speaker)")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: wchannel [flags] in.wav out.wav")
		os.Exit(2)
	}
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *room != "" {
		sc, err := scene(*room, *rt60, set["rt60"], *distance, *spl, *fullScale, *ambient, *dba, *speaker, *mic)
		if err == nil {
			for _, name := range []string{"snr", "skew", "rate", "drr", "low", "high", "gain"} {
				if set[name] {
					err = fmt.Errorf("-%s does not combine with -room (a room's noise is -ambient at -dba)", name)
					break
				}
			}
		}
		if err == nil {
			err = runScene(flag.Arg(0), flag.Arg(1), sc, *seed)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "wchannel: error: %v\n", err)
			os.Exit(2)
		}
		return
	}
	for _, name := range []string{"distance", "spl", "fullscale", "ambient", "dba", "speaker", "mic"} {
		if set[name] {
			fmt.Fprintf(os.Stderr, "wchannel: error: -%s needs -room\n", name)
			os.Exit(2)
		}
	}
	if err := run(flag.Arg(0), flag.Arg(1), channel.Config{
		SNRdB: *snr, Noise: !math.IsNaN(*snr), SkewPPM: *skew, ReceiveRateHz: *rate,
		RT60: *rt60, DirectToReverbDB: *drr, LowHz: *low, HighHz: *high, GainDB: *gain,
	}, *seed); err != nil {
		fmt.Fprintf(os.Stderr, "wchannel: error: %v\n", err)
		os.Exit(2)
	}
}

// scene builds the room scene the flags describe.
func scene(room string, rt60 time.Duration, rt60Set bool, distance, spl, fullScale float64, ambient string, dba float64, speaker, mic string) (channel.Scene, error) {
	var sc channel.Scene
	r, err := channel.LookupRoom(room)
	if err != nil {
		size, perr := channel.ParseRoomSize(room)
		if perr != nil {
			return sc, fmt.Errorf("-room %q is neither a named room nor LxWxH in metres", room)
		}
		if !rt60Set {
			return sc, fmt.Errorf("-room %s needs -rt60", room)
		}
		r = channel.Room{SizeM: size}
	}
	if rt60Set {
		r.RT60 = rt60
	}
	sc = channel.Scene{Room: r, DistanceM: distance, SpeakerSPL: spl, MicFullScaleSPL: fullScale, AmbientDBA: dba}
	if sc.Ambient, err = channel.ParseAmbient(ambient); err != nil {
		return sc, err
	}
	if sc.Speaker, err = channel.LookupResponse(speaker); err != nil {
		return sc, err
	}
	if sc.Mic, err = channel.LookupResponse(mic); err != nil {
		return sc, err
	}
	return sc, nil
}

func runScene(in, out string, sc channel.Scene, seed uint64) error {
	x, fs, err := readWAV(in)
	if err != nil {
		return err
	}
	y, err := sc.Apply(x, fs, rand.New(rand.NewPCG(seed, 0x5eed)))
	if err != nil {
		return err
	}
	return writeWAV(out, y, fs)
}

func readWAV(in string) ([]float32, int, error) {
	f, err := os.Open(in)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	return wav.ReadAll(f)
}

func run(in, out string, c channel.Config, seed uint64) error {
	x, fs, err := readWAV(in)
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
	return writeWAV(out, y, fs)
}

func writeWAV(out string, y []float32, fs int) error {
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
