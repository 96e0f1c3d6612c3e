package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"sort"
	"strings"
	"time"

	"golang.org/x/term"
	"gonum.org/v1/gonum/dsp/fourier"

	"warble/internal/audio"
	"warble/internal/wav"
	"warble/modem"
)

func cmdListen(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("listen", stderr)
	profile := profileFlag(fs, "auto", true)
	device := fs.String("device", "", "input device, by name or index as 'warble devices' lists them (default: the system's default)")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long (0: never)")
	count := fs.Int("count", 0, "stop after this many frames (0: until interrupted or timed out)")
	asJSON := fs.Bool("json", false, "print one JSON object per frame")
	record := fs.String("record", "", "also write what is heard to this WAV file")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: warble listen [-profile auto|NAME] [-device NAME|INDEX] [-timeout 30s] [-count N] [-json] [-record out.wav]")
		fmt.Fprintln(stderr, "Prints each verified frame as it completes, as 'warble decode' does. Ctrl-C stops.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return usageErr("listen takes no arguments (got %q)", fs.Args())
	}
	if *timeout < 0 {
		return usageErr("-timeout %v is negative", *timeout)
	}
	if *count < 0 {
		return usageErr("-count %d is negative", *count)
	}
	ps, err := profilesArg(*profile)
	if err != nil {
		return err
	}
	rx, err := modem.NewReceiver(deviceRate, ps...)
	if err != nil {
		return usageErr("%v", err)
	}

	c, err := audio.OpenCapture(audio.CaptureOptions{Device: *device, RateHz: deviceRate})
	if err != nil {
		return deviceErr(err, true)
	}
	defer c.Close()

	var rec *wav.Writer
	if *record != "" {
		f, err := os.Create(*record)
		if err != nil {
			return &exitError{code: 2, msg: err.Error()}
		}
		defer f.Close()
		if rec, err = wav.NewWriter(f, deviceRate); err != nil {
			return &exitError{code: 2, msg: fmt.Sprintf("%s: %v", *record, err)}
		}
	}

	sigCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx := sigCtx
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(sigCtx, *timeout)
		defer cancel()
	}

	what := "every profile"
	if *profile != "auto" {
		what = *profile
	}
	fmt.Fprintf(stderr, "warble: listening on %q at %d Hz for %s (Ctrl-C stops)\n", c.Device(), deviceRate, what)

	m := newMeter(stderr, rx.Profiles())
	buf := make([]float32, 1024)
	var frames []modem.Frame
	heard := 0
	tp := newTypedPrinter(stderr)
	emit := func() {
		for _, f := range frames {
			if *count > 0 && heard >= *count {
				break
			}
			m.clear()
			printFrame(stdout, c.Device(), f, *asJSON, tp)
			heard++
			m.lastSNR = f.SNR
		}
		frames = frames[:0]
	}
	var readErr error
	var fed, failed int64
	lastHeard, lastHint := int64(-1)<<40, int64(-1)<<40
	for *count == 0 || heard < *count {
		n, err := c.Read(ctx, buf)
		if err != nil {
			readErr = err
			break
		}
		if rec != nil {
			if err := rec.Write(buf[:n]); err != nil {
				m.clear()
				return &exitError{code: 2, msg: fmt.Sprintf("%s: %v", *record, err)}
			}
		}
		m.add(buf[:n], heard)
		frames = rx.Receive(frames, buf[:n])
		if len(frames) > 0 {
			lastHeard = fed
		}
		emit()
		fed += int64(n)
		// A frame whose header checked out but whose payload did not is
		// a transmission heard too poorly: say what would help, once per
		// few seconds and not right after a frame that did come through.
		if st := rx.Stats(); st.PayloadErrors > failed {
			failed = st.PayloadErrors
			if fed-lastHeard > 3*int64(deviceRate) && fed-lastHint > 5*int64(deviceRate) {
				lastHint = fed
				m.clear()
				msg := "warble: hint: heard a transmission begin but could not decode it: move closer or turn the volume up"
				if *profile != "auto" && *profile != modem.Room.Name {
					msg += "; across a room, send with -profile room"
				}
				fmt.Fprintln(stderr, msg)
			}
		}
	}
	if *count == 0 || heard < *count {
		frames = rx.Flush(frames)
		emit()
	}
	m.clear()
	tp.flush(c.Device())
	if rec != nil {
		if err := rec.Close(); err != nil {
			return &exitError{code: 2, msg: fmt.Sprintf("%s: %v", *record, err)}
		}
	}
	if st := c.Stats(); st.Overruns > 0 || st.Underruns > 0 || st.DroppedSamples > 0 {
		fmt.Fprintf(stderr, "warble: warning: input overruns %d, underruns %d, samples dropped %d: some sound was lost\n",
			st.Overruns, st.Underruns, st.DroppedSamples)
	}

	stopped := errors.Is(readErr, context.DeadlineExceeded) || errors.Is(readErr, context.Canceled)
	switch {
	case readErr == nil:
		return tp.err()
	case !stopped:
		return &exitError{code: 2, msg: readErr.Error(), hints: []string{
			fmt.Sprintf("the input device %q stopped; check the sound server (pactl info) and run 'warble devices'", c.Device())}}
	case *count == 0 && heard > 0:
		return tp.err()
	}
	how := "interrupted"
	if sigCtx.Err() == nil {
		how = fmt.Sprintf("timed out after %v", *timeout)
	}
	if heard == 0 {
		return &exitError{code: 1, msg: how + " with nothing heard",
			hints: []string{"check the input level ('warble listen' on a terminal shows it), the sender's -profile, and that the microphone hears the speaker"}}
	}
	return &exitError{code: 1, msg: fmt.Sprintf("%s after hearing %d of %d frames", how, heard, *count)}
}

// meter shows the input level on a terminal, every 100 ms: RMS and peak in
// dBFS, the best in-band SNR among the profiles listened for (how far the
// strongest tone in a profile's band stands above the noise floor), the SNR
// of the last frame heard, and how many were heard.
type meter struct {
	w       io.Writer
	on      bool
	sum     float64
	peak    float32
	n       int
	every   int
	shown   bool
	lastSNR float64
	bands   *bandSNR
}

func newMeter(w io.Writer, ps []modem.Profile) *meter {
	f, ok := w.(*os.File)
	m := &meter{w: w, on: ok && term.IsTerminal(int(f.Fd())), every: deviceRate / 10, lastSNR: math.NaN()}
	if m.on {
		m.bands = newBandSNR(ps, deviceRate)
	}
	return m
}

func (m *meter) add(samples []float32, heard int) {
	if !m.on {
		return
	}
	m.bands.add(samples)
	for _, x := range samples {
		m.sum += float64(x) * float64(x)
		m.peak = max(m.peak, float32(math.Abs(float64(x))))
		m.n++
		if m.n < m.every {
			continue
		}
		rms := dbfs(math.Sqrt(m.sum / float64(m.n)))
		bar := int(math.Max(0, math.Min(30, (rms+90)/3)))
		last := "  -"
		if !math.IsNaN(m.lastSNR) {
			last = fmt.Sprintf("%.1f dB", m.lastSNR)
		}
		band := "  -"
		if snr, name := m.bands.best(); name != "" {
			band = fmt.Sprintf("%5.1f dB %s", min(snr, 99.9), name)
		}
		fmt.Fprintf(m.w, "\r\x1b[K%s dBFS  peak %s  [%-30s]  in-band snr %s  last frame %s  heard %d",
			level(rms), level(dbfs(float64(m.peak))), strings.Repeat("#", bar), band, last, heard)
		m.shown = true
		m.sum, m.peak, m.n = 0, 0, 0
	}
}

// clear removes the meter line so other output starts on a clean line.
func (m *meter) clear() {
	if m.shown {
		fmt.Fprint(m.w, "\r\x1b[K")
		m.shown = false
	}
}

func dbfs(amp float64) float64 {
	if amp < 1e-10 {
		return math.Inf(-1)
	}
	return 20 * math.Log10(amp)
}

func level(db float64) string {
	if db < -120 {
		return "  -inf"
	}
	return fmt.Sprintf("%6.1f", db)
}

// bandSNR estimates, over the last bandFFT samples, how far the strongest
// bin inside each profile's band stands above the noise floor, taken as the
// median power of all bins:
//
//	snr = 10·log10(max over band |X[k]|² / median over k |X[k]|²)
//
// with X the spectrum of the Hann-windowed samples.
type bandSNR struct {
	names  []string
	lo, hi []int // bins of each band, [lo, hi)
	hist   []float64
	at     int
	fft    *fourier.FFT
	win    []float64
	seq    []float64
	coef   []complex128
	pow    []float64
	sorted []float64
}

const bandFFT = 4096

func newBandSNR(ps []modem.Profile, rate int) *bandSNR {
	b := &bandSNR{hist: make([]float64, bandFFT), fft: fourier.NewFFT(bandFFT), win: make([]float64, bandFFT),
		seq: make([]float64, bandFFT), pow: make([]float64, bandFFT/2+1), sorted: make([]float64, bandFFT/2+1)}
	for i := range b.win {
		b.win[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/bandFFT)
	}
	binHz := float64(rate) / bandFFT
	for _, p := range ps {
		lo, hi := p.BandHz()
		if !(lo > 0 && hi > lo && hi < float64(rate)/2) {
			continue
		}
		b.names = append(b.names, p.Name)
		b.lo = append(b.lo, int(lo/binHz))
		b.hi = append(b.hi, min(bandFFT/2, int(hi/binHz)+2))
	}
	return b
}

// add keeps the last bandFFT samples.
func (b *bandSNR) add(samples []float32) {
	for _, x := range samples {
		b.hist[b.at] = float64(x)
		b.at = (b.at + 1) % bandFFT
	}
}

// best returns the highest band SNR in dB and its profile's name, or "" when
// there is no band or only silence.
func (b *bandSNR) best() (float64, string) {
	if len(b.names) == 0 {
		return 0, ""
	}
	for i := range b.seq {
		b.seq[i] = b.hist[(b.at+i)%bandFFT] * b.win[i]
	}
	b.coef = b.fft.Coefficients(b.coef, b.seq)
	for k, c := range b.coef {
		b.pow[k] = real(c)*real(c) + imag(c)*imag(c)
	}
	copy(b.sorted, b.pow)
	sort.Float64s(b.sorted)
	floor := b.sorted[len(b.sorted)/2]
	if floor <= 0 {
		floor = 1e-30
	}
	bestSNR, bestName := math.Inf(-1), ""
	for i, name := range b.names {
		peak := 0.0
		for _, p := range b.pow[b.lo[i]:b.hi[i]] {
			peak = max(peak, p)
		}
		if peak <= 0 {
			continue
		}
		if snr := 10 * math.Log10(peak/floor); snr > bestSNR {
			bestSNR, bestName = snr, name
		}
	}
	return bestSNR, bestName
}
