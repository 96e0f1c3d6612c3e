package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"warble/pairing/relay"
)

// runStats is what one run of pairings came to.
type runStats struct {
	tag       string
	n         int
	ok        int // paired and exchanged their own bytes
	retried   int // of ok: after a first attempt failed with a clear error
	clear     int // attempts that failed with a relay error a user can act on
	crossed   int // a side read another pairing's bytes
	lost      int // no attempt paired, or one ended without a clear error
	latencies []time.Duration
	cpu       time.Duration // relay CPU over the run
	wall      time.Duration
	errs      map[string]int
}

// clearError reports whether err is one the relay client names: the
// relay said why, or the connection to it was lost.
func clearError(err error) bool {
	for _, e := range []error{relay.ErrLost, relay.ErrPeerLeft, relay.ErrShutdown, relay.ErrBusy, relay.ErrHostLeft,
		relay.ErrNoSuchPairing, relay.ErrPeerFailed, relay.ErrTaken, relay.ErrRetired, relay.ErrTimeout} {
		if errors.Is(err, e) {
			return true
		}
	}
	return strings.HasPrefix(err.Error(), "relay: dial ")
}

// pairings runs n pairings, conc at a time, the host of pairing i on
// urls[i%len] and its joiner on urls[(i+1)%len]. midway, if set, runs once
// when half of them are done. A pairing whose attempt fails with a clear
// error is retried (as a new code) a second later on the next pair of
// instances, up to five times.
func pairings(ctx context.Context, tag string, urls []string, n, conc int, midway func()) *runStats {
	st := &runStats{tag: tag, n: n, errs: map[string]int{}}
	var mu sync.Mutex
	var done atomic.Int64
	var once sync.Once
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var lat time.Duration
			var err error
			ok, retried := false, false
			for attempt := range 6 {
				if attempt > 0 {
					time.Sleep(time.Second) // as a user or app would, before a new code
				}
				h, j := urls[(i+attempt)%len(urls)], urls[(i+attempt+1)%len(urls)]
				np := fmt.Sprintf("%s-%d-%d", tag, i, attempt)
				lat, err = pairOnce(ctx, h, j, np)
				if err == nil {
					ok, retried = true, attempt > 0
					break
				}
				mu.Lock()
				st.errs[errKind(err)]++
				if errors.Is(err, errCrossed) {
					st.crossed++
				}
				if clearError(err) {
					st.clear++
				}
				mu.Unlock()
				if !clearError(err) {
					break
				}
			}
			mu.Lock()
			switch {
			case ok:
				st.ok++
				st.latencies = append(st.latencies, lat)
				if retried {
					st.retried++
				}
			default:
				st.lost++
			}
			mu.Unlock()
			if done.Add(1) == int64(n/2) && midway != nil {
				once.Do(midway)
			}
		}()
	}
	wg.Wait()
	st.wall = time.Since(start)
	slices.Sort(st.latencies)
	return st
}

var errCrossed = errors.New("crossed: a side read another pairing's bytes")

func errKind(err error) string {
	s := err.Error()
	if i := strings.Index(s, ": "); i >= 0 && strings.HasPrefix(s, "relay: dial") {
		return "relay: dial failed"
	}
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}

// pairOnce pairs a host on hostURL with a joiner on joinURL, exchanges a
// token each way, and returns the rendezvous latency: from the joiner's
// dial until both sides know they are joined.
func pairOnce(ctx context.Context, hostURL, joinURL, np string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	host, err := relay.Dial(ctx, hostURL, np, relay.RoleHost)
	if err != nil {
		return 0, err
	}
	defer host.Close()
	t0 := time.Now()
	join, err := relay.Dial(ctx, joinURL, np, relay.RoleJoin)
	if err != nil {
		return 0, err
	}
	defer join.Close()
	errc := make(chan error, 2)
	go func() { errc <- host.Wait(ctx) }()
	go func() { errc <- join.Wait(ctx) }()
	for range 2 {
		if err := <-errc; err != nil {
			return 0, err
		}
	}
	lat := time.Since(t0)
	deadline, _ := ctx.Deadline()
	host.SetDeadline(deadline)
	join.SetDeadline(deadline)
	token := []byte("token of " + np)
	if _, err := host.Write(token); err != nil {
		return 0, err
	}
	got := make([]byte, len(token))
	if _, err := io.ReadFull(join, got); err != nil {
		return 0, err
	}
	if !bytes.Equal(got, token) {
		return 0, errCrossed
	}
	back := append([]byte("back "), token...)
	if _, err := join.Write(back); err != nil {
		return 0, err
	}
	got = make([]byte, len(back))
	if _, err := io.ReadFull(host, got); err != nil {
		return 0, err
	}
	if !bytes.Equal(got, back) {
		return 0, errCrossed
	}
	return lat, nil
}

// idleStats is the memory the relays hold for idle connections.
type idleStats struct {
	conns        int
	before, with int64 // relays' resident memory, bytes
}

// idleMemory opens m connections spread over the relays, each a host
// waiting on its own nameplate, and measures the relays' resident memory
// before and with them.
func idleMemory(ctx context.Context, relays []*relayProc, m int) (*idleStats, error) {
	sum := func() int64 {
		var t int64
		for _, r := range relays {
			t += rss(r.cmd.Process.Pid)
		}
		return t
	}
	st := &idleStats{conns: m, before: sum()}
	conns := make([]*relay.Conn, 0, m)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range m {
		c, err := relay.Dial(ctx, relays[i%len(relays)].url, fmt.Sprintf("idle-%d", i), relay.RoleHost)
		if err != nil {
			return nil, fmt.Errorf("relayload: idle connection %d: %w", i, err)
		}
		conns = append(conns, c)
	}
	time.Sleep(2 * time.Second) // let the servers settle; nothing is asserted on time
	st.with = sum()
	return st, nil
}

// report is the whole test's outcome.
type report struct {
	single, cluster, natsKill, relayKill *runStats
	idle                                 *idleStats
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(p*float64(len(d))))]
}

func (r *report) markdown(w io.Writer, cfg config) {
	fmt.Fprintf(w, "Pairings per run: %d, %d at a time; host and joiner on different instances in the cluster runs.\n\n", cfg.pairings, cfg.concurrency)
	fmt.Fprintln(w, "| run | paired | crossed | lost | retried after a clear error | p50 rendezvous | p99 rendezvous | relay CPU per pairing | wall |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, s := range []*runStats{r.single, r.cluster, r.natsKill, r.relayKill} {
		if s == nil {
			continue
		}
		name := map[string]string{
			"single":    "1 relay, memory mailbox",
			"cluster":   "3 relays on 3-node NATS",
			"natskill":  "3 relays, one NATS node killed half way",
			"relaykill": "3 relays, one relay killed half way",
		}[s.tag]
		cpuPer := "—"
		if s.cpu > 0 {
			cpuPer = fmt.Sprintf("%.2f ms", float64(s.cpu.Microseconds())/1000/float64(s.n))
		}
		fmt.Fprintf(w, "| %s | %d/%d | %d | %d | %d | %.1f ms | %.1f ms | %s | %.1f s |\n", name, s.ok, s.n, s.crossed, s.lost, s.retried,
			float64(pct(s.latencies, 0.5).Microseconds())/1000, float64(pct(s.latencies, 0.99).Microseconds())/1000, cpuPer, s.wall.Seconds())
	}
	fmt.Fprintln(w)
	for _, s := range []*runStats{r.single, r.cluster, r.natsKill, r.relayKill} {
		if s == nil || len(s.errs) == 0 {
			continue
		}
		fmt.Fprintf(w, "Failed attempts in %q (each retried as a new code):", s.tag)
		keys := make([]string, 0, len(s.errs))
		for k := range s.errs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(w, " `%s` ×%d;", k, s.errs[k])
		}
		fmt.Fprintln(w)
	}
	if r.idle != nil {
		per := float64(r.idle.with-r.idle.before) / float64(r.idle.conns)
		fmt.Fprintf(w, "\nIdle WebSocket connections: %d over 2 relay instances (each a host waiting on its own nameplate): relays' resident memory %.1f MiB → %.1f MiB, **%.1f KB per idle connection**.\n",
			r.idle.conns, float64(r.idle.before)/(1<<20), float64(r.idle.with)/(1<<20), per/1000)
	}
}
