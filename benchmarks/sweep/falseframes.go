package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"warble/benchmarks/internal/bench"

	"warble/internal/channel"
	"warble/internal/peers"
	"warble/modem"
)

// chunkMinutes is the length of the pieces a false-frame recording is made
// and decoded in, each piece by a fresh receiver.
const chunkMinutes = 5

// falseSignal is a recording with no transmission in it.
type falseSignal struct {
	Name, Desc string
	gen        func(ctx context.Context, chunk, n int) ([]float32, error)
}

// falseDecoder listens to a false-frame recording and counts what it
// reports: frames, or for minimodem the bytes it prints.
type falseDecoder struct {
	Name, Unit, Version string
	// count returns what the decoder reported in y, and for decoders of
	// several profiles the frames of each.
	count func(ctx context.Context, y []float32) (int, map[string]int, error)
}

// falseRow is the count of one decoder on one signal.
type falseRow struct {
	Signal  string         `json:"signal"`
	Desc    string         `json:"desc"`
	Decoder string         `json:"decoder"`
	Unit    string         `json:"unit"`
	Minutes float64        `json:"minutes"`
	Count   int            `json:"count"`
	PerHour float64        `json:"per_hour"`
	By      map[string]int `json:"by_profile,omitempty"`
}

func falseDecoders(root string, syss []system) []falseDecoder {
	fam := map[string]bool{}
	for _, s := range syss {
		fam[s.Family] = true
		fam[s.Key] = true
	}
	var out []falseDecoder
	if fam["warble"] {
		out = append(out, falseDecoder{Name: "warble (auto: every profile)", Unit: "frames", Version: bench.WarbleVersion(root),
			count: func(_ context.Context, y []float32) (int, map[string]int, error) {
				rx, err := modem.NewReceiver(rate)
				if err != nil {
					return 0, nil, err
				}
				var fr []modem.Frame
				for i := 0; i < len(y); i += 1 << 15 {
					fr = rx.Receive(fr, y[i:min(i+1<<15, len(y))])
				}
				fr = rx.Flush(fr)
				by := map[string]int{}
				for _, f := range fr {
					by[f.Profile]++
				}
				return len(fr), by, nil
			}})
	}
	if fam["ggwave"] {
		out = append(out, falseDecoder{Name: "ggwave (every protocol)", Unit: "frames", Version: "ggwave " + peers.GGWaveVersion,
			count: func(ctx context.Context, y []float32) (int, map[string]int, error) {
				h, err := bench.GGWaveBatch(ctx, [][]float32{y})
				if err != nil {
					return 0, nil, err
				}
				return len(h[0].Frames), nil, nil
			}})
	}
	for _, p := range modem.BellProfiles() {
		if fam["warble-rx-minimodem-"+strconv.Itoa(int(p.Bell.Baud))] {
			out = append(out, falseDecoder{Name: "warble " + p.Name, Unit: "bytes", Version: bench.WarbleVersion(root),
				count: func(_ context.Context, y []float32) (int, map[string]int, error) {
					rx, err := modem.NewReceiver(rate, p)
					if err != nil {
						return 0, nil, err
					}
					var fr []modem.Frame
					for i := 0; i < len(y); i += 1 << 15 {
						fr = rx.Receive(fr, y[i:min(i+1<<15, len(y))])
					}
					n := 0
					for _, f := range rx.Flush(fr) {
						n += len(f.Payload)
					}
					return n, nil, nil
				}})
		}
	}
	for _, baud := range []int{300, 1200} {
		if fam["minimodem-"+strconv.Itoa(baud)] {
			out = append(out, falseDecoder{Name: "minimodem " + strconv.Itoa(baud), Unit: "bytes", Version: bench.MinimodemVersion(),
				count: func(ctx context.Context, y []float32) (int, map[string]int, error) {
					b, err := peers.MinimodemDecode(ctx, baud, y, rate)
					return len(b), nil, err
				}})
		}
	}
	return out
}

// runFalse runs every decoder over each false-frame signal, piece by piece,
// caching each piece's count.
func runFalse(ctx context.Context, cfg config, syss []system) error {
	decs := falseDecoders(cfg.root, syss)
	sigs := falseSignals(cfg)
	chunkN := int(math.Min(chunkMinutes, cfg.falseMin) * 60 * rate)
	total := int(math.Ceil(cfg.falseMin * 60 * rate))
	chunks := (total + chunkN - 1) / chunkN
	var rows []falseRow
	for _, sig := range sigs {
		counts := make([]int, len(decs))
		bys := make([]map[string]int, len(decs))
		for d := range bys {
			bys[d] = map[string]int{}
		}
		for c := range chunks {
			n := min(chunkN, total-c*chunkN)
			var y []float32
			for d, dec := range decs {
				path := filepath.Join(cfg.cacheDir, "false", sig.Name, slug(dec.Name), fmt.Sprintf("%d-of-%d.json", c, chunks))
				var cached struct {
					Version string
					Samples int
					Count   int
					By      map[string]int
				}
				if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &cached) == nil && cached.Version == dec.Version && cached.Samples == n {
					counts[d] += cached.Count
					for p, k := range cached.By {
						bys[d][p] += k
					}
					continue
				}
				if y == nil {
					var err error
					if y, err = sig.gen(ctx, c, n); err != nil {
						return fmt.Errorf("false frames: %s: %w", sig.Name, err)
					}
				}
				k, by, err := dec.count(ctx, y)
				if err != nil {
					return fmt.Errorf("false frames: %s on %s: %w", dec.Name, sig.Name, err)
				}
				counts[d] += k
				for p, k := range by {
					bys[d][p] += k
				}
				cached.Version, cached.Samples, cached.Count, cached.By = dec.Version, n, k, by
				b, _ := json.Marshal(cached)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(path, b, 0o644); err != nil {
					return err
				}
			}
			if y != nil {
				logf("false frames: %s piece %d/%d decoded", sig.Name, c+1, chunks)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		for d, dec := range decs {
			rows = append(rows, falseRow{Signal: sig.Name, Desc: sig.Desc, Decoder: dec.Name, Unit: dec.Unit, Minutes: cfg.falseMin,
				Count: counts[d], PerHour: float64(counts[d]) * 60 / cfg.falseMin, By: bys[d]})
			logf("false frames: %s on %s: %d %s in %.0f minutes", dec.Name, sig.Name, counts[d], dec.Unit, cfg.falseMin)
		}
	}
	return saveResult(cfg, "false", rows)
}

func slug(s string) string {
	b := []byte(s)
	out := b[:0]
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
			out = append(out, c)
		case c >= 'A' && c <= 'Z':
			out = append(out, c+'a'-'A')
		case len(out) > 0 && out[len(out)-1] != '-':
			out = append(out, '-')
		}
	}
	return strings.TrimSuffix(string(out), "-")
}

func falseSignals(cfg config) []falseSignal {
	sp := &speech{cacheDir: filepath.Join(cfg.cacheDir, "speech")}
	return []falseSignal{
		{Name: "noise", Desc: "white Gaussian noise, σ = 0.1",
			gen: func(_ context.Context, c, n int) ([]float32, error) {
				return channel.Noise(nil, n, 0.1, rand.New(rand.NewPCG(11, uint64(c)))), nil
			}},
		{Name: "speech", Desc: "espeak-ng speech: 24 renderings of 12 sentences (8 voices in English, German, French, Spanish and Italian; rates 130–190 words/min; pitches 20–80), drawn at random with gains of −12 to 0 dB and pauses of 0.1–1.5 s, over noise at σ = 0.002",
			gen: sp.gen},
		{Name: "music", Desc: "synthesised music: bass, three-note chord pads, a vibrato melody of harmonic notes (1–4 kHz partials included), kick and hi-hat; tempo 90–150 bpm, key and chords changing every 30 s",
			gen: func(_ context.Context, c, n int) ([]float32, error) { return music(c, n), nil }},
	}
}

// sentences are spoken by espeak-ng for the speech signal.
var sentences = []string{
	"The quick brown fox jumps over the lazy dog, while the band plays on.",
	"Please call me back at five five five, one two three four, after nine o'clock.",
	"Welcome aboard. The doors are closing; please stand clear of the doors.",
	"It was the best of times, it was the worst of times, it was the age of wisdom.",
	"Turn left in two hundred metres, then keep right and follow the signs.",
	"Your pairing code is seven guitar kitten. Read it aloud to the other device.",
	"Weather today: sunny spells, light winds, and a high of twenty one degrees.",
	"Is anybody there? I can hear a faint whistle coming from the kitchen.",
	"Numbers: zero, one, two, three, four, five, six, seven, eight, nine, ten.",
	"She sells sea shells by the sea shore, and the shells she sells are surely seashells.",
	"Good evening, and welcome to the news at six. Here are the headlines.",
	"Alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima.",
}

var voices = []string{"en", "en-us", "en+f3", "en+m3", "de", "fr", "es", "it"}

// speechCount is how many espeak-ng renderings the speech signal draws on.
const speechCount = 24

// speech renders the espeak-ng utterances as they are first needed, and
// keeps them.
type speech struct {
	cacheDir string
	mu       sync.Mutex
	pool     [speechCount][]float32
}

// utterance returns rendering i: sentence i mod 12 in voice i mod 8, at a
// rate and pitch that vary with i.
func (s *speech) utterance(ctx context.Context, i int) ([]float32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pool[i] != nil {
		return s.pool[i], nil
	}
	espeak, err := exec.LookPath("espeak-ng")
	if err != nil {
		return nil, fmt.Errorf("espeak-ng not found on PATH; run scripts/setup-bench.sh")
	}
	if err := os.MkdirAll(s.cacheDir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(s.cacheDir, fmt.Sprintf("%d.wav", i))
	if _, err := os.Stat(path); err != nil {
		voice := voices[i%len(voices)]
		speed := 130 + (i*7)%61
		pitch := 20 + (i*13)%61
		cmd := exec.CommandContext(ctx, espeak, "-v", voice, "-s", strconv.Itoa(speed), "-p", strconv.Itoa(pitch), "-w", path, sentences[i%len(sentences)])
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("espeak-ng: %v: %s", err, out)
		}
	}
	x, r, err := readWAVFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r != rate {
		x = channel.Resample(x, r, rate)
	}
	s.pool[i] = x
	return x, nil
}

func (s *speech) gen(ctx context.Context, c, n int) ([]float32, error) {
	rng := rand.New(rand.NewPCG(13, uint64(c)))
	y := channel.Noise(nil, n, 0.002, rng)
	for at := 0; at < n; {
		u, err := s.utterance(ctx, rng.IntN(speechCount))
		if err != nil {
			return nil, err
		}
		g := float32(math.Pow(10, -12*rng.Float64()/20))
		for i, v := range u {
			if at+i >= n {
				break
			}
			y[at+i] += g * v
		}
		at += len(u) + rate/10 + rng.IntN(rate*14/10)
	}
	return y, nil
}

// sineTable is one period of a sine, for the music synthesiser.
var sineTable = func() []float32 {
	t := make([]float32, 4096)
	for i := range t {
		t[i] = float32(math.Sin(2 * math.Pi * float64(i) / 4096))
	}
	return t
}()

func sine(phase float64) float32 {
	return sineTable[int(phase*4096)&4095]
}

// note adds a harmonic tone to y from at for dur samples: partials
// 1..harmonics at 1/k amplitude, an attack and an exponential decay, and a
// vibrato of the given depth (a fraction of the frequency) at 5.5 Hz.
func note(y []float32, at, dur int, f0, amp float64, harmonics int, attack, decay, vibrato float64) {
	dur = min(dur, len(y)-at)
	if dur <= 0 {
		return
	}
	env := make([]float32, dur)
	phase := make([]float64, dur) // of the fundamental, in cycles
	fall := math.Exp(-1 / (decay * rate))
	e, ph := 1.0, 0.0
	for i := range dur {
		t := float64(i) / rate
		env[i] = float32(math.Min(1, t/attack) * e)
		e *= fall
		inc := f0 / rate
		if vibrato != 0 {
			inc *= 1 + vibrato*float64(sine(math.Mod(5.5*t, 1)))
		}
		ph += inc
		phase[i] = ph
	}
	for k := 1; k <= harmonics; k++ {
		if f0*float64(k) > rate/2-1000 {
			break
		}
		a := float32(amp / float64(k))
		for i := range dur {
			p := float64(k) * phase[i]
			y[at+i] += a * env[i] * sine(p-math.Floor(p))
		}
	}
}

// music synthesises n samples of piece c.
func music(c, n int) []float32 {
	rng := rand.New(rand.NewPCG(17, uint64(c)))
	y := make([]float32, n)
	major := []int{0, 2, 4, 5, 7, 9, 11}
	progression := [][]int{{0, 4, 7}, {7, 11, 14}, {9, 12, 16}, {5, 9, 12}}
	hz := func(semi int) float64 { return 440 * math.Pow(2, float64(semi)/12) }
	for section := 0; section*30*rate < n; section++ {
		start := section * 30 * rate
		end := min(n, start+30*rate)
		bpm := 90 + rng.Float64()*60
		beat := int(60 / bpm * rate)
		key := rng.IntN(12) - 9
		for b, at := 0, start; at < end; b, at = b+1, at+beat {
			chord := progression[(b/4)%len(progression)]
			if b%4 == 0 {
				for _, s := range chord {
					note(y, at, 4*beat, hz(key+s-12), 0.05, 6, 0.05, 1.5, 0)
				}
				note(y, at, 4*beat, hz(key+chord[0]-36), 0.15, 4, 0.01, 0.8, 0)
			}
			for e := 0; e < 2; e++ {
				if rng.Float64() < 0.8 {
					deg := major[rng.IntN(len(major))] + 12*rng.IntN(3)
					note(y, at+e*beat/2, beat/2, hz(key+deg), 0.08, 4, 0.005, 0.25, 0.004)
				}
			}
			if b%2 == 0 {
				for i := 0; i < rate/10 && at+i < end; i++ {
					t := float64(i) / rate
					f := 50 + 70*math.Exp(-t/0.03)
					y[at+i] += float32(0.3*math.Exp(-t/0.05)) * sine(math.Mod(f*t, 1))
				}
			}
			hh := at + beat/2
			prev := 0.0
			for i := 0; i < rate*3/100 && hh+i < end; i++ {
				v := rng.NormFloat64()
				y[hh+i] += float32(0.04 * (v - prev) * math.Exp(-float64(i)/(0.01*rate)))
				prev = v
			}
		}
	}
	var peak float32
	for _, v := range y {
		peak = max(peak, v, -v)
	}
	if peak > 0 {
		g := 0.8 / peak
		for i := range y {
			y[i] *= g
		}
	}
	return y
}
