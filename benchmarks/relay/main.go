// Command relay is warble's relay load and failure test, bounded and on
// loopback only: three relay instances (this program re-run in its own
// processes) on a three-node NATS cluster (Debian's nats-server, see
// scripts/setup-nats.sh), against one relay with its mailbox in memory.
//
//	go run ./benchmarks/relay -pairings 500 -concurrency 100 -idle 2000
//
// It reports, in markdown on stdout: pairings crossed and lost, the
// rendezvous latency (p50, p99: from the joiner's dial until both sides
// are joined) and relay CPU per pairing for both setups; what happens when
// one relay instance is killed mid-run (its clients see an error and
// retry on another instance) and when one NATS node is killed; and the
// relay memory per idle WebSocket connection.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"

	"warble/pairing/relay"
)

// serveEnv set to 1 makes this program a relay instance.
const serveEnv = "WARBLE_LOAD_SERVE"

func main() {
	if os.Getenv(serveEnv) == "1" {
		if err := serve(); err != nil {
			fmt.Fprintln(os.Stderr, "relayload: error:", err)
			os.Exit(1)
		}
		return
	}
	var cfg config
	flag.IntVar(&cfg.pairings, "pairings", 500, "pairings in each run")
	flag.IntVar(&cfg.concurrency, "concurrency", 100, "pairings at a time")
	flag.IntVar(&cfg.idle, "idle", 2000, "idle WebSocket connections for the memory figure")
	flag.Parse()
	if cfg.pairings < 10 || cfg.concurrency < 1 || cfg.idle < 0 {
		fmt.Fprintln(os.Stderr, "relayload: error: want -pairings ≥ 10, -concurrency ≥ 1, -idle ≥ 0")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "relayload: error:", err)
		os.Exit(1)
	}
	rep.markdown(os.Stdout, cfg)
}

// serve runs one relay instance until a stop signal, printing its URL.
func serve() error {
	limits := relay.DefaultLimits
	limits.MaxConnsPerIP, limits.MaxConns = 1<<20, 1<<20
	limits.JoinsPerMinute, limits.FailuresPerHour = 1<<30, 1<<30
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var mailbox relay.Mailbox
	if urls := os.Getenv("WARBLE_LOAD_NATS"); urls != "" {
		replicas, _ := strconv.Atoi(os.Getenv("WARBLE_LOAD_REPLICAS"))
		nc, err := nats.Connect(urls, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
		if err != nil {
			return err
		}
		defer nc.Close()
		var mb *relay.NATSMailbox
		// The cluster elects its JetStream leader a moment after it starts.
		for i := 0; ; i++ {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			mb, err = relay.NewNATSMailboxReplicas(ctx, nc, limits.RetireFor, replicas)
			cancel()
			if err == nil {
				break
			}
			if i == 30 {
				return err
			}
			time.Sleep(time.Second)
		}
		defer mb.Close()
		mailbox = mb
	}
	srv, err := relay.NewServer(limits, mailbox, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := srv.HTTPServer()
	go hs.Serve(ln)
	fmt.Println("ws://" + ln.Addr().String())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	srv.Shutdown(sctx)
	if err := hs.Close(); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}

type config struct {
	pairings, concurrency, idle int
}

// run is the whole load test.
func run(ctx context.Context, cfg config) (*report, error) {
	dir, err := os.MkdirTemp("", "warble-relayload-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	rep := &report{}

	// The single-process relay, for comparison.
	single, err := startRelay(ctx, "", 1, dir+"/single.log")
	if err != nil {
		return nil, err
	}
	c0 := cpu(single.cmd.Process.Pid)
	rep.single = pairings(ctx, "single", []string{single.url}, cfg.pairings, cfg.concurrency, nil)
	rep.single.cpu = cpu(single.cmd.Process.Pid) - c0
	stopAll(nil, []*relayProc{single})

	nodes, err := startCluster(ctx, dir, 3)
	if err != nil {
		return nil, err
	}
	var urls []string
	for _, n := range nodes {
		urls = append(urls, n.url)
	}
	var relays []*relayProc
	defer func() { stopAll(nodes, relays) }()
	for i := range 3 {
		r, err := startRelay(ctx, strings.Join(urls, ","), 3, fmt.Sprintf("%s/relay%d.log", dir, i))
		if err != nil {
			return nil, err
		}
		relays = append(relays, r)
	}
	relayURLs := func() []string {
		var u []string
		for _, r := range relays {
			u = append(u, r.url)
		}
		return u
	}
	relayCPU := func() time.Duration {
		var t time.Duration
		for _, r := range relays {
			if r.cmd.ProcessState == nil {
				t += cpu(r.cmd.Process.Pid)
			}
		}
		return t
	}

	c0 = relayCPU()
	rep.cluster = pairings(ctx, "cluster", relayURLs(), cfg.pairings, cfg.concurrency, nil)
	rep.cluster.cpu = relayCPU() - c0

	// Kill one NATS node half way: pairing goes on.
	rep.natsKill = pairings(ctx, "natskill", relayURLs(), cfg.pairings, cfg.concurrency, func() {
		nodes[2].cmd.Process.Kill()
		nodes[2].cmd.Wait()
	})

	// Kill one relay instance half way: its clients see an error and
	// retry on the other two; every other pairing completes.
	killed := relays[2]
	rep.relayKill = pairings(ctx, "relaykill", relayURLs(), cfg.pairings, cfg.concurrency, func() {
		killed.cmd.Process.Kill()
		killed.cmd.Wait()
	})
	relays = relays[:2]
	stopAll(nil, []*relayProc{killed})

	if cfg.idle > 0 {
		rep.idle, err = idleMemory(ctx, relays, cfg.idle)
		if err != nil {
			return nil, err
		}
	}
	return rep, nil
}
