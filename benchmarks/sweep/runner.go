package main

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// job brings one system at one point up to n trials.
type job struct {
	s system
	p point
	n int
}

// progress logs how far a stage is, at most every interval.
type progress struct {
	stage    string
	total    int64
	done     atomic.Int64
	start    time.Time
	mu       sync.Mutex
	last     time.Time
	interval time.Duration
}

func newProgress(stage string, total int) *progress {
	now := time.Now()
	return &progress{stage: stage, total: int64(total), start: now, last: now, interval: 10 * time.Second}
}

func (p *progress) add(n int, what string) {
	d := p.done.Add(int64(n))
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < p.interval && d < p.total {
		return
	}
	p.last = now
	el := now.Sub(p.start)
	eta := "?"
	if d > 0 {
		eta = (time.Duration(float64(el) * float64(p.total-d) / float64(d))).Round(time.Second).String()
	}
	logf("%s: %d/%d trials (%.0f%%), %s elapsed, ~%s left; %s", p.stage, d, p.total, 100*float64(d)/float64(max(p.total, 1)),
		el.Round(time.Second), eta, what)
}

// runJobs runs the jobs on cfg.jobs workers, skipping trials already
// cached, and stops at the first error.
func runJobs(ctx context.Context, cfg config, sw *sweeper, stage string, jobs []job) error {
	need := 0
	var todo []job
	for _, j := range jobs {
		have := sw.cached(j.s, j.p).Trials
		if have < j.n {
			need += j.n - have
			todo = append(todo, j)
		}
	}
	if len(todo) == 0 {
		logf("%s: all %d points cached", stage, len(jobs))
		return nil
	}
	logf("%s: %d trials to run at %d points (%d points cached)", stage, need, len(todo), len(jobs)-len(todo))
	// Slow peers first, so the quick in-process ones fill the gaps at the
	// end.
	sort.SliceStable(todo, func(a, b int) bool { return !todo[a].s.InProcess && todo[b].s.InProcess })
	prog := newProgress(stage, need)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan job)
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	for range cfg.jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				t, err := sw.run(ctx, j.s, j.p, j.n, func(n int) { prog.add(n, j.s.Name+" "+j.p.String()) })
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
					continue
				}
				prog.add(0, fmt.Sprintf("%s %s: %d/%d", j.s.Name, j.p, t.OK, t.Trials))
			}
		}()
	}
	for _, j := range todo {
		select {
		case ch <- j:
		case <-ctx.Done():
		}
	}
	close(ch)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

func runSNR(ctx context.Context, cfg config, sw *sweeper, syss []system) error {
	var jobs []job
	for _, s := range syss {
		for _, v := range cfg.snrs {
			jobs = append(jobs, job{s, point{Kind: kindSNR, Value: v}, cfg.coarse})
		}
	}
	if err := runJobs(ctx, cfg, sw, "snr (coarse)", jobs); err != nil {
		return err
	}
	if cfg.trials <= cfg.coarse {
		return nil
	}
	jobs = jobs[:0]
	for _, s := range syss {
		rates := make([]float64, len(cfg.snrs))
		for i, v := range cfg.snrs {
			rates[i] = sw.cached(s, point{Kind: kindSNR, Value: v}).rate()
		}
		for _, i := range finePoints(rates) {
			jobs = append(jobs, job{s, point{Kind: kindSNR, Value: cfg.snrs[i]}, fineTrials(rates[i], cfg.coarse, cfg.trials)})
		}
	}
	return runJobs(ctx, cfg, sw, "snr (fine)", jobs)
}

// fineTrials is the number of trials that puts the 95% confidence interval
// of a success rate near r within ±5%: 1.96²·r(1−r)/0.05², at least 100
// (so a point that came out all or nothing bounds the other outcome to about
// 3%) and at most max.
func fineTrials(r float64, coarse, most int) int {
	n := int(math.Ceil(1.96 * 1.96 * r * (1 - r) / (0.05 * 0.05)))
	return max(min(max(n, 100), most), coarse)
}

// finePoints returns the indices (of SNRs in rising order) of the
// transition, which is worth more trials: from the point below the lowest
// that ever succeeded to two points above the highest imperfect one.
func finePoints(rates []float64) []int {
	lo, hi := -1, -1
	for i, r := range rates {
		if math.IsNaN(r) {
			continue
		}
		if r > 0 && lo < 0 {
			lo = i
		}
		if r < 1 {
			hi = i
		}
	}
	if lo < 0 || hi < 0 {
		return nil
	}
	var out []int
	for i := max(lo-1, 0); i <= min(hi+2, len(rates)-1); i++ {
		out = append(out, i)
	}
	return out
}

func runSkew(ctx context.Context, cfg config, sw *sweeper, syss []system) error {
	var jobs []job
	for _, s := range syss {
		for _, v := range cfg.skews {
			jobs = append(jobs, job{s, point{Kind: kindSkew, Value: v}, cfg.skewTrials})
		}
	}
	return runJobs(ctx, cfg, sw, fmt.Sprintf("skew at %+g dB", cfg.skewSNR), jobs)
}

// runCodec puts every system through each codec at cfg.codecSNR.
func runCodec(ctx context.Context, cfg config, sw *sweeper, syss []system) error {
	if err := codecsAvailable(); err != nil {
		logf("codec: left out: %v", err)
		return nil
	}
	var jobs []job
	for _, s := range syss {
		for _, c := range codecs() {
			jobs = append(jobs, job{s, point{Kind: kindCodec, Value: cfg.codecSNR, Codec: c.Key}, cfg.codecTrials})
		}
	}
	return runJobs(ctx, cfg, sw, fmt.Sprintf("codecs at %+g dB", cfg.codecSNR), jobs)
}
