package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"warble/benchmarks/internal/bench"
	"warble/internal/channel"
)

// payloadPool is how many payloads each transmitter encodes; trials take
// them in turn from a random start.
const payloadPool = 12

// tally counts the trials of one system at one point.
type tally struct {
	Trials int // trials run (0: not run, the system had stopped nearer)
	OK     int // the exact payload came out
	Wrong  int // payloads reported that were not the one sent
}

func (t tally) rate() float64 { return float64(t.OK) / float64(t.Trials) }

// cell names one point: a room, a condition and a distance.
type cell struct {
	room, cond int
	distance   float64
}

// results holds every tally, by system key and cell.
type results struct {
	systems []bench.System
	tallies map[string]map[cell]tally
	notes   []string
	elapsed time.Duration
	date    time.Time
}

// group is the systems that share one transmitter: they hear the very same
// recordings.
type group struct {
	signal  string
	systems []bench.System
}

func groups(syss []bench.System) []group {
	var out []group
	idx := map[string]int{}
	for _, s := range syss {
		i, ok := idx[s.Signal]
		if !ok {
			i = len(out)
			idx[s.Signal] = i
			out = append(out, group{signal: s.Signal})
		}
		out[i].systems = append(out[i].systems, s)
	}
	return out
}

// unit is one group in one room under one condition, run over the
// distances from the nearest up.
type unit struct {
	g          group
	room, cond int
}

// measurer runs the units, sharing transmissions and room responses.
type measurer struct {
	cfg config

	mu       sync.Mutex
	tx       map[string]*txPool
	prepared map[cell]*preparedRoom // by room and distance (cond −1)
	res      *results

	trialsDone atomic.Int64
}

type txPool struct {
	once     sync.Once
	payloads [][]byte
	signals  [][]float32
	err      error
}

type preparedRoom struct {
	once sync.Once
	p    *channel.Prepared
	err  error
}

func measure(ctx context.Context, cfg config, syss []bench.System) (*results, error) {
	m := &measurer{cfg: cfg, tx: map[string]*txPool{}, prepared: map[cell]*preparedRoom{},
		res: &results{systems: syss, tallies: map[string]map[cell]tally{}}}
	for _, s := range syss {
		m.res.tallies[s.Key] = map[cell]tally{}
	}
	var units []unit
	most := 0
	for _, g := range groups(syss) {
		for ri, r := range cfg.rooms {
			for ci := range cfg.conds {
				units = append(units, unit{g, ri, ci})
				most += len(g.systems) * len(cfg.distancesFor(r)) * cfg.trials
			}
		}
	}
	// Peers first (their processes are slow), big rooms first.
	sort.SliceStable(units, func(a, b int) bool {
		return !units[a].g.systems[0].InProcess && units[b].g.systems[0].InProcess
	})
	logf("%d systems, %d rooms, %d conditions: %d units of work, at most %d decodes, on %d workers",
		len(syss), len(cfg.rooms), len(cfg.conds), len(units), most, cfg.jobs)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan unit)
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	var done atomic.Int64
	start := time.Now()
	for range cfg.jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range ch {
				if err := m.run(ctx, u); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					continue
				}
				n := done.Add(1)
				logf("%d/%d units done (%s elapsed, %d trials): %s in %s, %s",
					n, len(units), time.Since(start).Round(time.Second), m.trialsDone.Load(), u.g.signal, cfg.rooms[u.room].Name, cfg.conds[u.cond])
			}
		}()
	}
	for _, u := range units {
		select {
		case ch <- u:
		case <-ctx.Done():
		}
	}
	close(ch)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.res.date = time.Now()
	return m.res, nil
}

// transmissions returns the payload pool of a group and its encodings,
// each trimmed to its active span.
func (m *measurer) transmissions(ctx context.Context, g group) ([][]byte, [][]float32, error) {
	m.mu.Lock()
	p, ok := m.tx[g.signal]
	if !ok {
		p = &txPool{}
		m.tx[g.signal] = p
	}
	m.mu.Unlock()
	p.once.Do(func() {
		rng := rand.New(rand.NewPCG(m.cfg.seed, hash(g.signal)))
		for range payloadPool {
			pl := make([]byte, 16)
			for i := range pl {
				pl[i] = byte(rng.IntN(256))
			}
			x, err := g.systems[0].Encode(ctx, pl)
			if err != nil {
				p.err = fmt.Errorf("%s: encode: %w", g.systems[0].Name, err)
				return
			}
			sp := channel.ActiveSpan(x, -40)
			p.payloads = append(p.payloads, pl)
			p.signals = append(p.signals, x[sp.Start:sp.End])
		}
	})
	return p.payloads, p.signals, p.err
}

// room returns the room response at a distance, computed once.
func (m *measurer) room(ri int, d float64) (*channel.Prepared, error) {
	k := cell{ri, -1, d}
	m.mu.Lock()
	p, ok := m.prepared[k]
	if !ok {
		p = &preparedRoom{}
		m.prepared[k] = p
	}
	m.mu.Unlock()
	p.once.Do(func() {
		p.p, p.err = channel.Scene{Room: m.cfg.rooms[ri], DistanceM: d, SpeakerSPL: 70}.Prepare(bench.Rate)
	})
	return p.p, p.err
}

// scene returns the scene of a cell.
func (m *measurer) scene(c cell) channel.Scene {
	cond := m.cfg.conds[c.cond]
	return channel.Scene{Room: m.cfg.rooms[c.room], DistanceM: c.distance, SpeakerSPL: cond.SPL,
		Ambient: cond.Ambient, AmbientDBA: cond.DBA, Speaker: cond.Speaker, Mic: m.cfg.mic}
}

// run runs one unit: at each distance from the nearest, trials recordings
// heard by every system of the group still going. A system stops after
// two distances in a row at which it decoded nothing.
func (m *measurer) run(ctx context.Context, u unit) error {
	payloads, signals, err := m.transmissions(ctx, u.g)
	if err != nil {
		return err
	}
	zeros := make([]int, len(u.g.systems))
	for _, d := range m.cfg.distancesFor(m.cfg.rooms[u.room]) {
		if err := ctx.Err(); err != nil {
			return err
		}
		live := false
		for _, z := range zeros {
			live = live || z < 2
		}
		if !live {
			return nil
		}
		c := cell{u.room, u.cond, d}
		room, err := m.room(u.room, d)
		if err != nil {
			return err
		}
		p, err := room.With(m.scene(c))
		if err != nil {
			return err
		}
		recs := make([][]float32, m.cfg.trials)
		want := make([][]byte, m.cfg.trials)
		for i := range recs {
			recs[i], want[i], err = m.trial(p, u.g.signal, c, i, payloads, signals)
			if err != nil {
				return err
			}
		}
		for si, s := range u.g.systems {
			if zeros[si] >= 2 {
				continue
			}
			hs, err := s.Decode(ctx, recs)
			if err != nil {
				return fmt.Errorf("%s at %.1f m in %s: %w", s.Name, d, m.cfg.rooms[u.room].Name, err)
			}
			if len(hs) != len(recs) {
				return fmt.Errorf("%s: %d results for %d recordings", s.Name, len(hs), len(recs))
			}
			var t tally
			for i, h := range hs {
				w := [][]byte{want[i]}
				t.Trials++
				t.OK += h.Count(w)
				if h.Frames != nil { // minimodem prints bytes, not payloads
					t.Wrong += h.FalseCount(w)
				}
			}
			m.trialsDone.Add(int64(t.Trials))
			if t.OK == 0 {
				zeros[si]++
			} else {
				zeros[si] = 0
			}
			m.mu.Lock()
			m.res.tallies[s.Key][c] = t
			m.mu.Unlock()
		}
	}
	return nil
}

// trial returns recording i of a cell and the payload in it: a pool
// payload's transmission 0.3–1.3 s into the recording with 0.5 s after it,
// played in the cell's scene (which adds the room's tail).
func (m *measurer) trial(p *channel.Prepared, signal string, c cell, i int, payloads [][]byte, signals [][]float32) ([]float32, []byte, error) {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%d|%d|%g", signal, c.room, c.cond, c.distance)
	rng := rand.New(rand.NewPCG(m.cfg.seed^h.Sum64(), uint64(i)))
	j := (i + int(h.Sum64()%payloadPool)) % payloadPool
	x := signals[j]
	lead := bench.Rate*3/10 + rng.IntN(bench.Rate)
	tail := bench.Rate / 2
	seg := make([]float32, lead+len(x)+tail)
	copy(seg[lead:], x)
	y, err := p.Apply(seg, rng)
	return y, payloads[j], err
}

func hash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
