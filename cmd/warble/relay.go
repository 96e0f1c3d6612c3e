package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"warble/pairing/relay"
)

const relayUsage = `usage: warble relay [-listen ADDR] [-max-message BYTES] [-idle D] [-wait D] [-per-ip N] [-max-conns N] [-retire D]
           [-max-retired N] [-joins-per-minute N] [-failures-per-hour N] [-trusted-proxy CIDR,...] [-v]
Serves the WebSocket rendezvous that 'warble pair -via ws://HOST:PORT' and
'warble connect'/'warble accept' use. It joins two clients by nameplate and
forwards their bytes; it never sees a key. It prints its URL on stdout, logs
on stderr, and shuts down cleanly on Ctrl-C or SIGTERM.`

// relayStopSignals end 'warble relay' cleanly.
var relayStopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

func cmdRelay(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("relay", stderr)
	d := relay.DefaultLimits
	listen := fs.String("listen", "localhost:4747", "address to listen on, host:port (:4747 for every interface)")
	maxMessage := fs.Int("max-message", d.MaxMessageBytes, "largest WebSocket message accepted, in bytes")
	idle := fs.Duration("idle", d.IdleTimeout, "close a connection silent this long")
	wait := fs.Duration("wait", d.WaitTimeout, "how long a side may wait for its peer")
	perIP := fs.Int("per-ip", d.MaxConnsPerIP, "open connections allowed from one client address")
	maxConns := fs.Int("max-conns", d.MaxConns, "open connections allowed in all")
	retire := fs.Duration("retire", d.RetireFor, "how long a used pairing nameplate stays closed")
	maxRetired := fs.Int("max-retired", d.MaxRetired, "retired nameplates remembered at most (the oldest are forgotten first)")
	joins := fs.Int("joins-per-minute", d.JoinsPerMinute, "pairing joins allowed from one client address (IPv4, or IPv6 /64) a minute")
	failures := fs.Int("failures-per-hour", d.FailuresPerHour, "failed pairings one client address may join in an hour")
	proxies := fs.String("trusted-proxy", "", "reverse proxies (addresses or CIDR prefixes, comma-separated) whose X-Forwarded-For names the client; from others the header is ignored")
	verbose := fs.Bool("v", false, "log every message exchange step, not just connections")
	fs.Usage = func() {
		fmt.Fprintln(stderr, relayUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return usageErr("relay takes no arguments, got %q", fs.Arg(0))
	}
	limits := relay.Limits{
		MaxMessageBytes: *maxMessage,
		IdleTimeout:     *idle,
		WaitTimeout:     *wait,
		MaxConnsPerIP:   *perIP,
		MaxConns:        *maxConns,
		RetireFor:       *retire,
		MaxRetired:      *maxRetired,
		JoinsPerMinute:  *joins,
		FailuresPerHour: *failures,
	}
	if *proxies != "" {
		for _, p := range strings.Split(*proxies, ",") {
			p = strings.TrimSpace(p)
			pfx, err := netip.ParsePrefix(p)
			if err != nil {
				a, aerr := netip.ParseAddr(p)
				if aerr != nil {
					return usageErr("-trusted-proxy %q: want an address or a CIDR prefix", p)
				}
				pfx = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
			}
			limits.TrustedProxies = append(limits.TrustedProxies, pfx.Masked())
		}
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	srv, err := relay.NewServer(limits, nil, log)
	if err != nil {
		return usageErr("%v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), relayStopSignals...)
	defer stop()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("relay: %v", err),
			hints: []string{"choose another address with -listen, e.g. -listen :4748"}}
	}
	// Connections that never upgrade are timed out and counted too.
	hs := srv.HTTPServer()
	hs.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	perAddr := limits.MaxConnsPerIP
	if len(limits.TrustedProxies) > 0 {
		perAddr = 0 // every connection comes from a proxy; the handler counts clients
	}
	ln = relay.LimitListener(ln, limits.MaxConns, perAddr)
	url := "ws://" + ln.Addr().String()
	log.Info("listening", "url", url, "max_message", limits.MaxMessageBytes, "idle", limits.IdleTimeout,
		"wait", limits.WaitTimeout, "per_ip", limits.MaxConnsPerIP, "max_conns", limits.MaxConns, "retire", limits.RetireFor,
		"joins_per_minute", limits.JoinsPerMinute, "failures_per_hour", limits.FailuresPerHour, "trusted_proxies", len(limits.TrustedProxies))
	fmt.Fprintln(stdout, url)

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return &exitError{code: 1, msg: fmt.Sprintf("relay: %v", err)}
	case <-ctx.Done():
	}
	stop()
	log.Info("shutting down", "conns", srv.Conns())
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hs.Shutdown(sctx) // stops accepting; WebSockets are the relay's to close
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("connections cut at the shutdown deadline", "err", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return &exitError{code: 1, msg: fmt.Sprintf("relay: %v", err)}
	}
	log.Info("stopped")
	return nil
}
