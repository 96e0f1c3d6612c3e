package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	neturl "net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"warble/pairing/relay"
)

const relayUsage = `usage: warble relay [-listen ADDR] [-max-message BYTES] [-idle D] [-wait D] [-per-ip N] [-max-conns N] [-retire D]
           [-max-retired N] [-joins-per-minute N] [-failures-per-hour N] [-trusted-proxy CIDR,...]
           [-nats nats://HOST:4222,...] [-nats-replicas N] [-metrics ADDR] [-log-format text|json] [-drain D]
           [-tls-cert FILE -tls-key FILE] [-v]
Serves the WebSocket rendezvous that 'warble pair -via ws://HOST:PORT' and
'warble connect'/'warble accept' use. It joins two clients by nameplate and
forwards their bytes; it never sees a key. It prints its URL on stdout, logs
on stderr, and shuts down cleanly on Ctrl-C or SIGTERM.

With -nats, the nameplates live on a NATS system (JetStream enabled) that
many relay instances share: a host on one instance and a joiner on another
pair, and a retired nameplate is refused by every instance. Without it, they
live in this process's memory.

-metrics serves /metrics (Prometheus text), /healthz and /readyz on a
second address. On a stop signal the relay first drains: it takes no new
clients, sends waiting sides away, and gives joined pairs up to -drain to
finish before it closes them. With -tls-cert and -tls-key it serves wss://.`

// relayStopSignals end 'warble relay' cleanly.
var relayStopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

func cmdRelay(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), relayStopSignals...)
	defer stop()
	return cmdRelayContext(ctx, args, stdout, stderr)
}

// cmdRelayContext is 'warble relay', running until ctx ends.
func cmdRelayContext(ctx context.Context, args []string, stdout, stderr io.Writer) error {
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
	natsURLs := fs.String("nats", "", "NATS servers (nats://HOST:PORT, comma-separated) whose JetStream holds the nameplates, shared with other relay instances")
	natsReplicas := fs.Int("nats-replicas", 1, "JetStream replicas of the buckets the relay creates (3 on a 3-node cluster survives a node's loss)")
	metricsAddr := fs.String("metrics", "", "serve /metrics, /healthz and /readyz on this address, e.g. 127.0.0.1:9090")
	logFormat := fs.String("log-format", "text", "log format on stderr: text or json")
	drain := fs.Duration("drain", 10*time.Second, "on a stop signal, how long joined pairs may go on before they are closed")
	tlsCert := fs.String("tls-cert", "", "PEM certificate (chain) file: serve wss:// instead of ws://")
	tlsKey := fs.String("tls-key", "", "PEM private key file for -tls-cert")
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
	var log *slog.Logger
	switch *logFormat {
	case "text":
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	case "json":
		log = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	default:
		return usageErr("-log-format %q: want text or json", *logFormat)
	}
	if *drain < 0 {
		return usageErr("-drain %v: want a duration of 0 or more", *drain)
	}
	var tlsConf *tls.Config
	switch {
	case (*tlsCert == "") != (*tlsKey == ""):
		return usageErr("-tls-cert and -tls-key go together")
	case *tlsCert != "":
		cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			return usageErr("relay: tls: %v", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if err := checkNATSURLs(*natsURLs); err != nil {
		return err
	}
	if *natsReplicas < 1 || *natsReplicas > 5 {
		return usageErr("-nats-replicas %d: want 1 to 5", *natsReplicas)
	}
	// The limits are checked before anything connects to NATS.
	if _, err := relay.NewServer(limits, nil, nil); err != nil {
		return usageErr("%v", err)
	}
	var mailbox relay.Mailbox // nil: in memory
	if *natsURLs != "" {
		nc, mb, err := connectNATS(*natsURLs, limits.RetireFor, *natsReplicas, log)
		if err != nil {
			return err
		}
		defer nc.Close() // after the server's shutdown, below
		defer mb.Close()
		mailbox = mb
	}
	srv, err := relay.NewServer(limits, mailbox, log)
	if err != nil {
		return usageErr("%v", err)
	}

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
	if tlsConf != nil {
		hs.TLSConfig = tlsConf
		ln = tls.NewListener(ln, tlsConf)
		url = "wss://" + ln.Addr().String()
	}
	if *metricsAddr != "" {
		ms, err := serveOps(srv, *metricsAddr, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer ms.Close()
	}
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
	log.Info("draining", "conns", srv.Conns(), "for", *drain)
	dctx, dcancel := context.WithTimeout(context.Background(), *drain)
	if err := srv.Drain(dctx); err != nil {
		log.Info("pairs still joined at the end of the drain", "conns", srv.Conns())
	}
	dcancel()
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

// checkNATSURLs checks the -nats list: nats:// or tls:// URLs with a host.
func checkNATSURLs(list string) error {
	if list == "" {
		return nil
	}
	for _, u := range strings.Split(list, ",") {
		pu, err := neturl.Parse(strings.TrimSpace(u))
		if err != nil || (pu.Scheme != "nats" && pu.Scheme != "tls") || pu.Host == "" {
			return usageErr("-nats %q: want nats://HOST:PORT or tls://HOST:PORT", u)
		}
	}
	return nil
}

// connectNATS connects to the NATS servers in list (comma-separated) and
// opens the shared mailbox on them. The connection reconnects for as long
// as the relay runs, logging each change.
func connectNATS(list string, retireFor time.Duration, replicas int, log *slog.Logger) (*nats.Conn, *relay.NATSMailbox, error) {
	nc, err := nats.Connect(list,
		nats.Name("warble-relay"),
		nats.MaxReconnects(-1),
		nats.RetryOnFailedConnect(false),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { log.Warn("nats disconnected", "err", err) }),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "server", c.ConnectedUrlRedacted()) }),
	)
	if err != nil {
		return nil, nil, &exitError{code: 1, msg: fmt.Sprintf("relay: nats: %v", err),
			hints: []string{"check that nats-server runs with JetStream (-js) at " + list}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	mb, err := relay.NewNATSMailboxReplicas(ctx, nc, retireFor, replicas)
	if err != nil {
		nc.Close()
		return nil, nil, &exitError{code: 1, msg: err.Error(),
			hints: []string{"the NATS servers must have JetStream enabled (nats-server -js)"}}
	}
	log.Info("mailbox on nats", "server", nc.ConnectedUrlRedacted())
	return nc, mb, nil
}

// serveOps serves the relay's metrics, health and readiness on addr.
func serveOps(srv *relay.Server, addr string, log *slog.Logger) (*http.Server, error) {
	reg := prometheus.NewRegistry()
	if err := srv.Register(reg); err != nil {
		return nil, &exitError{code: 1, msg: fmt.Sprintf("relay: metrics: %v", err)}
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &exitError{code: 1, msg: fmt.Sprintf("relay: metrics: %v", err),
			hints: []string{"choose another address with -metrics, e.g. -metrics 127.0.0.1:9091"}}
	}
	ms := &http.Server{Handler: srv.OpsHandler(reg), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go ms.Serve(ln)
	log.Info("operations endpoints", "url", "http://"+ln.Addr().String(), "paths", "/metrics /healthz /readyz")
	return ms, nil
}
