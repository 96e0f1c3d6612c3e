// Command optical measures warble's light channel: the airtime of a 16-byte
// token in each mode, and the share of tokens decoded through the simulated
// display-to-sensor path of internal/light as sensor noise and the rate of
// repeated and dropped refreshes grow.
//
//	go run ./benchmarks/optical [-trials 20]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"warble/internal/light"
	"warble/optical"
)

func main() {
	trials := flag.Int("trials", 20, "tokens sent per cell")
	flag.Parse()
	fmt.Println("## Airtime of a 16-byte token at 60 Hz")
	fmt.Println()
	fmt.Println("| mode | levels | refreshes | seconds | bit/s (payload) |")
	fmt.Println("|---|---|---|---|---|")
	for _, p := range optical.Profiles() {
		n := p.Refreshes(16)
		s := float64(n) / 60
		fmt.Printf("| %s | %d (%.2f–%.2f) | %d | %.2f | %.0f |\n", p.Name, 1<<p.BitsPerSymbol+1, p.Low, p.High, n, s, 128/s)
	}
	fmt.Println()
	fmt.Println("BlinkUp: about 30 bit/s at 60 Hz.")
	fmt.Println()
	noises := []float64{0.005, 0.01, 0.02, 0.04}
	fmt.Printf("## Decoded share vs sensor noise (σ per 1 kHz sample, in units of full white; 2%%+2%% repeats/drops, flicker, lag, ±1%% clock; %d tokens per cell)\n\n", *trials)
	fmt.Println("| mode | σ=0.005 | σ=0.01 | σ=0.02 | σ=0.04 |")
	fmt.Println("|---|---|---|---|---|")
	for _, p := range optical.Profiles() {
		fmt.Printf("| %s |", p.Name)
		for _, nz := range noises {
			fmt.Printf(" %s |", rate(p, *trials, func(c *light.Config) { c.Noise = nz }))
		}
		fmt.Println()
	}
	fmt.Println()
	resp := []time.Duration{0, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond}
	fmt.Printf("## Decoded share vs display-and-sensor response time (first-order τ; σ=0.005, 2%%+2%% repeats/drops, %d tokens per cell)\n\n", *trials)
	fmt.Println("| mode | τ=0 | τ=5 ms | τ=10 ms | τ=20 ms |")
	fmt.Println("|---|---|---|---|---|")
	for _, p := range optical.Profiles() {
		fmt.Printf("| %s |", p.Name)
		for _, r := range resp {
			fmt.Printf(" %s |", rate(p, *trials, func(c *light.Config) { c.Response, c.Noise = r, 0.005 }))
		}
		fmt.Println()
	}
	fmt.Println()
	rates := []float64{180, 240, 500, 2000}
	fmt.Printf("## Decoded share vs sensor sample rate (σ=0.005 at 1 kHz, scaled to keep the noise density; %d tokens per cell)\n\n", *trials)
	fmt.Println("| mode | 180 Hz | 240 Hz | 500 Hz | 2 kHz |")
	fmt.Println("|---|---|---|---|---|")
	for _, p := range optical.Profiles() {
		fmt.Printf("| %s |", p.Name)
		for _, fs := range rates {
			fmt.Printf(" %s |", rate(p, *trials, func(c *light.Config) { c.SampleRateHz, c.Noise = fs, 0.005*math.Sqrt(fs/1000) }))
		}
		fmt.Println()
	}
	fmt.Println()
	probs := []float64{0, 0.02, 0.05, 0.1}
	fmt.Printf("## Decoded share vs repeat and drop probability per refresh (each; σ=0.005, %d tokens per cell)\n\n", *trials)
	fmt.Println("| mode | 0 | 2% | 5% | 10% |")
	fmt.Println("|---|---|---|---|---|")
	for _, p := range optical.Profiles() {
		fmt.Printf("| %s |", p.Name)
		for _, pr := range probs {
			fmt.Printf(" %s |", rate(p, *trials, func(c *light.Config) { c.RepeatProb, c.DropProb, c.Noise = pr, pr, 0.005 }))
		}
		fmt.Println()
	}
}

// rate sends trials random tokens through a path with every impairment,
// adjusted by f, and returns the share decoded.
func rate(p optical.Profile, trials int, f func(*light.Config)) string {
	ok := 0
	for i := range trials {
		rng := rand.New(rand.NewPCG(uint64(i), 77))
		token := make([]byte, 16)
		for j := range token {
			token[j] = byte(rng.IntN(256))
		}
		c := light.Config{
			RepeatProb: 0.02, DropProb: 0.02,
			Lag:      time.Duration(rng.IntN(40)) * time.Millisecond,
			Response: 4 * time.Millisecond,
			Ambient:  0.3, FlickerHz: []float64{100, 120}[i%2], FlickerDepth: 0.5,
			SampleRateHz: 1000, ClockError: 0.02*rng.Float64() - 0.01,
			Gain: 0.5 + rng.Float64(), Offset: rng.Float64() - 0.5,
			IdleBefore: 2 * time.Second, IdleAfter: 2 * time.Second, IdleLevel: rng.Float64(),
		}
		f(&c)
		lv, err := p.Levels(nil, token)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		s, err := light.Simulate(lv, c, rng)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		tr := optical.Trace{T: make([]float64, len(s)), V: make([]float64, len(s))}
		for k, x := range s {
			tr.T[k], tr.V[k] = x.T, x.V
		}
		frames, err := optical.Decode(tr, 60)
		if err == nil && len(frames) == 1 && bytes.Equal(frames[0].Payload, token) {
			ok++
		}
	}
	return fmt.Sprintf("%d/%d", ok, trials)
}
