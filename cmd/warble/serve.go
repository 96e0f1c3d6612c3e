package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os/signal"
	"time"

	"warble/pairing/relay"
	"warble/web"
)

const serveUsage = `usage: warble serve [-listen 127.0.0.1:8080] [-relay ws://HOST:PORT/relay] [-v]
Serves warble in the browser: the listen page (/), the send page (/send),
the flasher (/flash) and QR codes (/qr), with warble's modem compiled to
WebAssembly (/warble.wasm). Unless -relay names another, it also runs the
pairing relay on the same port at /relay. It prints the page's URL on
stdout and stops cleanly on Ctrl-C or SIGTERM.

Browsers give the microphone only to secure pages: open it on this machine
as http://127.0.0.1:PORT/, or put it behind HTTPS for a phone.`

func cmdServe(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on, host:port")
	relayURL := fs.String("relay", "", "WebSocket URL of another pairing relay for the pages (default: this server's /relay)")
	verbose := fs.Bool("v", false, "log every relay exchange step and every request")
	fs.Usage = func() {
		fmt.Fprintln(stderr, serveUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return usageErr("serve takes no arguments, got %q", fs.Arg(0))
	}
	if *relayURL != "" {
		u, err := url.Parse(*relayURL)
		if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			return usageErr("-relay %q is not a ws:// or wss:// URL", *relayURL)
		}
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if !web.HasModule(nil) {
		log.Warn("this warble was built without its WebAssembly module; the pages will say so",
			"fix", "scripts/build-web.sh, then rebuild warble")
	}
	h, rsrv, err := serveHandler(*relayURL, log)
	if err != nil {
		return usageErr("%v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), relayStopSignals...)
	defer stop()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("serve: %v", err),
			hints: []string{"choose another address with -listen, e.g. -listen 127.0.0.1:8081"}}
	}
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	page := "http://" + ln.Addr().String() + "/"
	if rsrv != nil {
		log.Info("listening", "pages", page, "relay", "ws://"+ln.Addr().String()+"/relay")
	} else {
		log.Info("listening", "pages", page, "relay", *relayURL)
	}
	fmt.Fprintln(stdout, page)

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return &exitError{code: 1, msg: fmt.Sprintf("serve: %v", err)}
	case <-ctx.Done():
	}
	stop()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	if rsrv != nil {
		if err := rsrv.Shutdown(sctx); err != nil {
			log.Warn("relay connections cut at the shutdown deadline", "err", err)
		}
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return &exitError{code: 1, msg: fmt.Sprintf("serve: %v", err)}
	}
	log.Info("stopped")
	return nil
}

// serveHandler joins the pages and, when relayURL is empty, an embedded
// relay at /relay (returned so the caller can shut it down).
func serveHandler(relayURL string, log *slog.Logger) (http.Handler, *relay.Server, error) {
	mux := http.NewServeMux()
	mux.Handle("/", web.Handler(web.Options{RelayURL: relayURL}))
	if relayURL != "" {
		return mux, nil, nil
	}
	rsrv, err := relay.NewServer(relay.DefaultLimits, nil, log)
	if err != nil {
		return nil, nil, err
	}
	mux.Handle("/relay", rsrv)
	return mux, rsrv, nil
}
