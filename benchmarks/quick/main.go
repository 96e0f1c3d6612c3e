// Command quick measures the signal core's headline figures in a few
// minutes and prints them as Markdown: frame success against full-band SNR
// for each profile (16-byte payload, 48 kHz, white Gaussian noise from
// internal/channel), and in-process decode speed on a 5-minute recording.
//
//	go run ./benchmarks/quick [-trials 100] [-wav /tmp/5min.wav]
//
// -wav also writes the 5-minute recording, for timing `warble decode` as a
// whole process.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"time"

	"warble/internal/channel"
	"warble/internal/wav"
	"warble/modem"
)

func main() {
	trials := flag.Int("trials", 100, "trials per SNR point")
	wavOut := flag.String("wav", "", "also write the 5-minute recording here")
	flag.Parse()
	fmt.Printf("Measured %s on %s/%s, %d CPUs, %s.\n\n", time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Printf("### Success against full-band SNR (16-byte payload, 48 kHz, %d trials per point)\n\n", *trials)
	snrs := []float64{-8, -10, -12, -13, -14, -15, -16, -17, -18}
	fmt.Print("| profile |")
	for _, s := range snrs {
		fmt.Printf(" %g dB |", s)
	}
	fmt.Print("\n|---|")
	for range snrs {
		fmt.Print("---|")
	}
	fmt.Println()
	for _, p := range modem.Profiles() {
		fmt.Printf("| %s |", p.Name)
		for _, s := range snrs {
			ok := successes(p, s, *trials)
			fmt.Printf(" %d%% |", ok*100 / *trials)
		}
		fmt.Println()
	}
	fmt.Println()
	speed(*wavOut)
}

// successes counts verified, correct frames out of n noisy trials.
func successes(p modem.Profile, snr float64, n int) int {
	const rate = 48000
	rng := rand.New(rand.NewPCG(uint64(int64(snr*10)), 7))
	enc, err := modem.NewEncoder(p, rate)
	if err != nil {
		panic(err)
	}
	rx, err := modem.NewReceiver(rate, p)
	if err != nil {
		panic(err)
	}
	ok := 0
	var frames []modem.Frame
	for t := 0; t < n; t++ {
		payload := make([]byte, 16)
		for i := range payload {
			payload[i] = byte(rng.IntN(256))
		}
		lead := rate/10 + rng.IntN(rate/10)
		x := make([]float32, lead)
		x, _ = enc.Encode(x, payload)
		end := len(x)
		x = append(x, make([]float32, rate/10)...)
		y := channel.AddNoise(nil, x, snr, channel.Span{Start: lead, End: end}, rng)
		rx.Reset()
		frames = rx.Receive(frames[:0], y)
		frames = rx.Flush(frames)
		if len(frames) == 1 && bytes.Equal(frames[0].Payload, payload) {
			ok++
		}
	}
	return ok
}

// speed decodes a 5-minute, 48 kHz recording holding 30 audible frames at
// -5 dB full-band SNR.
func speed(out string) {
	const rate = 48000
	rng := rand.New(rand.NewPCG(3, 4))
	y := make([]float32, rate*300)
	enc, _ := modem.NewEncoder(modem.Audible, rate)
	burst, _ := enc.Encode(nil, []byte("0123456789abcdef"))
	for at := rate; at+len(burst) < len(y); at += rate * 10 {
		copy(y[at:], burst)
	}
	y = channel.AddNoise(y[:0:0], y, -5, channel.Span{Start: rate, End: rate + len(burst)}, rng)
	if out != "" {
		f, err := os.Create(out)
		if err == nil {
			w := bufio.NewWriter(f)
			_ = wav.Encode(w, y, rate)
			_ = w.Flush()
			f.Close()
		}
	}
	fmt.Println("### In-process decode speed (5-minute recording, 48 kHz, 30 audible frames at −5 dB; median of 5 runs, one core)")
	fmt.Println()
	fmt.Println("| receiver | frames | × real time |")
	fmt.Println("|---|---|---|")
	for _, c := range []struct {
		name string
		ps   []modem.Profile
	}{{"audible", []modem.Profile{modem.Audible}}, {"fast", []modem.Profile{modem.Fast}}, {"ultrasonic", []modem.Profile{modem.Ultrasonic}}, {"auto (all three)", nil}} {
		rx, _ := modem.NewReceiver(rate, c.ps...)
		var times []float64
		n := 0
		for run := 0; run < 5; run++ {
			rx.Reset()
			var fr []modem.Frame
			start := time.Now()
			for i := 0; i < len(y); i += 4096 {
				fr = rx.Receive(fr, y[i:min(i+4096, len(y))])
			}
			fr = rx.Flush(fr)
			times = append(times, time.Since(start).Seconds())
			n = len(fr)
		}
		slices.Sort(times)
		fmt.Printf("| %s | %d | %.0f× |\n", c.name, n, 300/times[2])
	}
}
