package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"warble/pairing/relay"
)

// TestServeCommand runs 'warble serve' on loopback: the pages answer and
// the embedded relay joins two clients at /relay.
func TestServeCommand(t *testing.T) {
	relayStopSignals = []os.Signal{syscall.SIGUSR1}
	defer func() { relayStopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM} }()

	outR, outW := io.Pipe()
	var errOut relayStderr
	code := make(chan int, 1)
	go func() {
		code <- run([]string{"serve", "-listen", "127.0.0.1:0"}, strings.NewReader(""), outW, &errOut)
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("no URL on stdout: %v\nstderr: %s", err, errOut.String())
	}
	go io.Copy(io.Discard, outR)
	page := strings.TrimSpace(line)
	if !strings.HasPrefix(page, "http://127.0.0.1:") || !strings.HasSuffix(page, "/") {
		t.Fatalf("stdout %q, want the page's http:// URL", line)
	}

	for _, path := range []string{"", "send", "flash", "qr"} {
		resp, err := http.Get(page + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<title>warble") {
			t.Errorf("/%s: %s %q, want a warble page", path, resp.Status, resp.Header.Get("Content-Type"))
		}
	}
	// The module is there when warble was built after scripts/build-web.sh;
	// without it the server must say how to build it, not fail silently.
	resp, err := http.Get(page + "warble.wasm")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		if ct := resp.Header.Get("Content-Type"); ct != "application/wasm" || !strings.HasPrefix(string(body), "\x00asm") {
			t.Errorf("/warble.wasm: %q starting %q, want application/wasm", ct, body[:min(4, len(body))])
		}
	case http.StatusServiceUnavailable:
		if !strings.Contains(string(body), "scripts/build-web.sh") {
			t.Errorf("/warble.wasm without a module says %q; want how to build it", body)
		}
	default:
		t.Errorf("/warble.wasm: %s", resp.Status)
	}

	ws := "ws" + strings.TrimPrefix(page, "http") + "relay"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	host, err := relay.Dial(ctx, ws, "47", relay.RoleHost)
	if err != nil {
		t.Fatal(err)
	}
	join, err := relay.Dial(ctx, ws, "47", relay.RoleJoin)
	if err != nil {
		t.Fatal(err)
	}
	go join.Write([]byte("hello page"))
	got := make([]byte, 10)
	if _, err := io.ReadFull(host, got); err != nil || string(got) != "hello page" {
		t.Fatalf("through serve's relay: %q, %v", got, err)
	}
	host.Close()
	join.Close()

	syscall.Kill(syscall.Getpid(), syscall.SIGUSR1)
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("serve exited %d on its stop signal\nstderr: %s", c, errOut.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop on its signal")
	}
}

// TestServeOtherRelay leaves /relay out when -relay names another, and
// tells the pages about it.
func TestServeOtherRelay(t *testing.T) {
	h, rsrv, err := serveHandler("wss://relay.example/relay", nil)
	if err != nil || rsrv != nil {
		t.Fatalf("serveHandler: %v, relay %v; want no embedded relay", err, rsrv)
	}
	req, _ := http.NewRequest("GET", "/config.json", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if !strings.Contains(w.Body.String(), `"relay":"wss://relay.example/relay"`) {
		t.Errorf("/config.json = %q, want the other relay", w.Body.String())
	}
	req, _ = http.NewRequest("GET", "/relay", nil)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusNotFound {
		t.Errorf("/relay with -relay given: status %d, want 404", w.Code)
	}
}

func TestServeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "-relay", "http://example.com/relay"},
		{"serve", "-relay", "ws://"},
		{"serve", "extra"},
	} {
		var out, errOut strings.Builder
		if c := run(args, strings.NewReader(""), &out, &errOut); c != 2 || !strings.Contains(errOut.String(), "warble: error: ") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and an error", args, c, errOut.String())
		}
	}
}
