package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"warble/benchmarks/internal/bench"

	"gonum.org/v1/gonum/dsp/fourier"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"warble/modem"
)

// writePlots draws success against SNR (one line per system, audible and
// ultrasonic apart), success against skew, and a spectrogram of each warble
// profile, as PNG files in outDir/plots.
func writePlots(cfg config, r *report) error {
	dir := filepath.Join(cfg.outDir, "plots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, g := range r.groups() {
		title := fmt.Sprintf("16-byte payload, %s: frames received against full-band SNR", g.title)
		if err := curves(filepath.Join(dir, "snr-"+g.file+".png"), title, "full-band SNR (dB)", cfg.snrs, g.systems, r.snr, g.paired); err != nil {
			return err
		}
		title = fmt.Sprintf("16-byte payload, %s, at %s dB SNR: frames received against clock skew", g.title, signed(cfg.skewSNR, 0))
		if err := curves(filepath.Join(dir, "skew-"+g.file+".png"), title, "transmitter clock skew (%)", cfg.skews, g.systems, r.skew, g.paired); err != nil {
			return err
		}
	}
	for _, p := range modem.Profiles() {
		if err := spectrogram(filepath.Join(dir, "spectrogram-"+p.Name+".png"), p); err != nil {
			return err
		}
	}
	logf("plots: wrote %s", dir)
	return nil
}

// curves draws one line per system. With paired, systems sharing a signal
// share a colour.
func curves(path, title, xlabel string, xs []float64, ss []system, tallies map[string][]tally, paired bool) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = "frames received (%)"
	p.Y.Min, p.Y.Max = 0, 100
	p.Add(plotter.NewGrid())
	p.Legend.Top = false
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(12)
	p.Legend.YOffs = vg.Points(40)
	drawn := 0
	colour := map[string]int{}
	for i, s := range ss {
		if paired {
			if _, ok := colour[s.Signal]; !ok {
				colour[s.Signal] = len(colour)
			}
			i = colour[s.Signal]
		}
		var pts plotter.XYs
		for k, x := range xs {
			if k < len(tallies[s.Key]) && tallies[s.Key][k].Trials > 0 {
				pts = append(pts, plotter.XY{X: x, Y: 100 * tallies[s.Key][k].rate()})
			}
		}
		if len(pts) == 0 {
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.LineStyle = bench.LineStyle(i, s)
		p.Add(l)
		p.Legend.Add(s.Name, l)
		drawn++
	}
	if drawn == 0 {
		return nil
	}
	p.X.Min, p.X.Max = xs[0], xs[len(xs)-1]
	return p.Save(9*vg.Inch, 5.5*vg.Inch, path)
}

// grid is a spectrogram for plotter.HeatMap: columns are time, rows
// frequency.
type grid struct {
	z      [][]float64 // [row][col], dB
	dt, df float64
	f0     float64
}

func (g grid) Dims() (c, r int)   { return len(g.z[0]), len(g.z) }
func (g grid) Z(c, r int) float64 { return g.z[r][c] }
func (g grid) X(c int) float64    { return float64(c) * g.dt }
func (g grid) Y(r int) float64    { return (g.f0 + float64(r)*g.df) / 1000 }

// spectrogram draws a 16-byte transmission of p at 48 kHz, with 0.1 s of
// silence either side: a Hann window as long as the largest power of two
// within one symbol (at least 256 samples), zero-padded four times, a quarter-window hop, in dB
// below the peak down to −60.
func spectrogram(path string, p modem.Profile) error {
	enc, err := modem.NewEncoder(p, rate)
	if err != nil {
		return err
	}
	x := make([]float32, rate/10)
	x, err = enc.Encode(x, payload(0))
	if err != nil {
		return err
	}
	x = append(x, make([]float32, rate/10)...)
	win := 256
	for 2*win <= int(p.Tones.Symbol.Seconds()*rate) {
		win *= 2
	}
	n, hop := 4*win, win/4
	fft := fourier.NewFFT(n)
	lo, hi := p.BandHz()
	fLo := math.Max(0, lo-750)
	fHi := math.Min(rate/2, hi+750)
	df := float64(rate) / float64(n)
	r0, r1 := int(fLo/df), int(math.Ceil(fHi/df))
	g := grid{dt: float64(hop) / rate, df: df, f0: float64(r0) * df}
	rows := r1 - r0 + 1
	g.z = make([][]float64, rows)
	w := make([]float64, win)
	for i := range w {
		w[i] = 0.5 - 0.5*math.Cos(2*math.Pi*(float64(i)+0.5)/float64(win))
	}
	seq := make([]float64, n)
	var coef []complex128
	peak := 0.0
	for c := 0; c+win <= len(x); c += hop {
		for i := range w {
			seq[i] = w[i] * float64(x[c+i])
		}
		coef = fft.Coefficients(coef, seq)
		for r := range rows {
			v := coef[r0+r]
			pw := real(v)*real(v) + imag(v)*imag(v)
			peak = math.Max(peak, pw)
			g.z[r] = append(g.z[r], pw)
		}
	}
	for r := range g.z {
		for c, pw := range g.z[r] {
			g.z[r][c] = math.Max(10*math.Log10(pw/peak+1e-30), -60)
		}
	}
	pl := plot.New()
	air, _ := p.Airtime(payloadBytes)
	pl.Title.Text = fmt.Sprintf("warble %s: a 16-byte transmission (%.3f s), tones %g–%g Hz", p.Name, air.Seconds(), lo, hi)
	pl.X.Label.Text = "time (s)"
	pl.Y.Label.Text = "frequency (kHz)"
	hm := plotter.NewHeatMap(g, moreland.BlackBody().Palette(64))
	hm.Rasterized = true
	pl.Add(hm)
	return pl.Save(9*vg.Inch, 4*vg.Inch, path)
}
