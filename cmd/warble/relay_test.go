package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	natsserver "github.com/nats-io/nats-server/v2/server"

	"warble/pairing/relay"
)

// relayStderr is a bytes.Buffer safe to write from the command and read
// from the test.
type relayStderr struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *relayStderr) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *relayStderr) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRelayCommand(t *testing.T) {
	// A signal of the test's own, so that no other handler of Ctrl-C in
	// this process sees it.
	relayStopSignals = []os.Signal{syscall.SIGUSR1}
	defer func() { relayStopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM} }()

	outR, outW := io.Pipe()
	var errOut relayStderr
	code := make(chan int, 1)
	go func() {
		code <- run([]string{"relay", "-listen", "127.0.0.1:0", "-per-ip", "4", "-idle", "5s", "-drain", "1s"}, strings.NewReader(""), outW, &errOut)
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("no URL on stdout: %v\nstderr: %s", err, errOut.String())
	}
	go io.Copy(io.Discard, outR)
	url := strings.TrimSpace(line)
	if !strings.HasPrefix(url, "ws://127.0.0.1:") {
		t.Fatalf("stdout %q, want the relay's ws:// URL", line)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	host, err := relay.Dial(ctx, url, "31", relay.RoleHost)
	if err != nil {
		t.Fatal(err)
	}
	join, err := relay.Dial(ctx, url, "31", relay.RoleJoin)
	if err != nil {
		t.Fatal(err)
	}
	go join.Write([]byte("hello host"))
	got := make([]byte, 10)
	if _, err := io.ReadFull(host, got); err != nil || string(got) != "hello host" {
		t.Fatalf("through warble relay: %q, %v", got, err)
	}
	if _, err := relay.Dial(ctx, url, "31", relay.RoleJoin); !errors.Is(err, relay.ErrTaken) {
		t.Fatalf("a second joiner: %v, want ErrTaken", err)
	}

	readDone := make(chan error, 2)
	for _, c := range []*relay.Conn{host, join} {
		go func() {
			_, err := io.ReadFull(c, make([]byte, 1))
			readDone <- err
		}()
	}
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("warble relay exited %d after the stop signal\nstderr: %s", c, errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("warble relay did not stop")
	}
	for range 2 {
		if err := <-readDone; !errors.Is(err, relay.ErrShutdown) && !errors.Is(err, relay.ErrPeerLeft) {
			t.Errorf("a client at shutdown read %v, want ErrShutdown", err)
		}
	}
	logs := errOut.String()
	for _, want := range []string{"listening", "joined", "refused: nameplate taken", "draining", "shutting down", "stopped"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	for _, secret := range []string{"hello host"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log shows forwarded bytes %q", secret)
		}
	}
}

func TestRelayCommandUsage(t *testing.T) {
	for _, args := range [][]string{
		{"relay", "-idle", "0s"},
		{"relay", "-max-message", "10"},
		{"relay", "-per-ip", "0"},
		{"relay", "extra"},
		{"relay", "-nosuchflag"},
		{"relay", "-log-format", "xml"},
		{"relay", "-drain", "-1s"},
		{"relay", "-tls-cert", "cert.pem"},
		{"relay", "-tls-cert", "/nonexistent/cert.pem", "-tls-key", "/nonexistent/key.pem"},
		{"relay", "-nats", "http://127.0.0.1:4222"},
		{"relay", "-nats-replicas", "7"},
	} {
		r := warble(t, nil, args...)
		r.want(t, 2, args...)
		if !strings.Contains(r.stderr, "warble: error:") {
			t.Errorf("warble %s: stderr lacks an error line:\n%s", strings.Join(args, " "), r.stderr)
		}
	}
}

func TestRelayCommandAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := warble(t, nil, "relay", "-listen", ln.Addr().String())
	r.want(t, 1, "relay", "-listen", ln.Addr().String())
	if !strings.Contains(r.stderr, "warble: hint:") {
		t.Errorf("stderr lacks a hint:\n%s", r.stderr)
	}
}

// startRelayCommand runs 'warble relay' with args until the test ends and
// returns its URL.
func startRelayCommand(t *testing.T, args ...string) string {
	t.Helper()
	outR, outW := io.Pipe()
	errOut := &relayStderr{}
	code := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		code <- cmdRelayContext(ctx, append([]string{"-listen", "127.0.0.1:0"}, args...), outW, errOut)
		outW.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-code:
			if err != nil {
				t.Errorf("warble relay %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut.String())
			}
		case <-time.After(30 * time.Second):
			t.Error("warble relay did not stop")
		}
	})
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("no URL on stdout: %v\nstderr: %s", err, errOut.String())
	}
	go io.Copy(io.Discard, outR)
	return strings.TrimSpace(line)
}

func TestRelayCommandNATS(t *testing.T) {
	ns, err := natsserver.NewServer(&natsserver.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(20 * time.Second) {
		t.Fatal("nats server not ready")
	}
	defer ns.Shutdown()
	a := startRelayCommand(t, "-nats", ns.ClientURL())
	b := startRelayCommand(t, "-nats", ns.ClientURL())

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	host, err := relay.Dial(ctx, a, "41", relay.RoleHost)
	if err != nil {
		t.Fatal(err)
	}
	join, err := relay.Dial(ctx, b, "41", relay.RoleJoin)
	if err != nil {
		t.Fatal(err)
	}
	go join.Write([]byte("hello host"))
	got := make([]byte, 10)
	if _, err := io.ReadFull(host, got); err != nil || string(got) != "hello host" {
		t.Fatalf("across two relays: %q, %v", got, err)
	}
	join.Fail("wrong code")
	if _, err := io.ReadFull(host, got); !errors.Is(err, relay.ErrPeerFailed) {
		t.Fatalf("host after the joiner failed: %v, want ErrPeerFailed", err)
	}
	host.Close()
	// Retired on both instances.
	for _, u := range []string{a, b} {
		if _, err := relay.Dial(ctx, u, "41", relay.RoleHost); !errors.Is(err, relay.ErrRetired) {
			t.Errorf("host on %s after the pairing: %v, want ErrRetired", u, err)
		}
	}
}

func TestRelayCommandNATSUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens there now
	r := warble(t, nil, "relay", "-listen", "127.0.0.1:0", "-nats", "nats://"+addr)
	r.want(t, 1, "relay", "-nats", addr)
	if !strings.Contains(r.stderr, "warble: error: relay: nats:") || !strings.Contains(r.stderr, "warble: hint:") {
		t.Errorf("stderr lacks the error and hint:\n%s", r.stderr)
	}
}

// selfSigned writes a certificate and key for 127.0.0.1 into dir and
// returns their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "warble relay test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestRelayCommandTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	url := startRelayCommand(t, "-tls-cert", certFile, "-tls-key", keyFile)
	if !strings.HasPrefix(url, "wss://127.0.0.1:") {
		t.Fatalf("URL %q, want wss://", url)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: client, Subprotocols: []string{relay.Subprotocol}})
	if err != nil {
		t.Fatalf("wss dial: %v", err)
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageBinary, []byte("H\x01\x0151")); err != nil {
		t.Fatal(err)
	}
	if _, b, err := ws.Read(ctx); err != nil || len(b) == 0 || b[0] != 'W' {
		t.Fatalf("over wss: %q, %v; want a welcome", b, err)
	}
	// A client that does not trust the certificate is refused.
	if _, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{relay.Subprotocol}}); err == nil {
		t.Fatal("a client without the certificate's root connected")
	}
}

func TestRelayCommandMetricsJSONLogs(t *testing.T) {
	outR, outW := io.Pipe()
	errOut := &relayStderr{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- cmdRelayContext(ctx, []string{"-listen", "127.0.0.1:0", "-metrics", "127.0.0.1:0", "-log-format", "json"}, outW, errOut)
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("no URL: %v\n%s", err, errOut.String())
	}
	go io.Copy(io.Discard, outR)
	url := strings.TrimSpace(line)
	var opsURL string
	for _, l := range strings.Split(errOut.String(), "\n") {
		var rec map[string]any
		if l == "" {
			continue
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		if rec["msg"] == "operations endpoints" {
			opsURL, _ = rec["url"].(string)
		}
	}
	if opsURL == "" {
		t.Fatalf("no operations endpoint logged:\n%s", errOut.String())
	}
	dctx, dcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer dcancel()
	if _, err := relay.Dial(dctx, url, "61", relay.RoleJoin); !errors.Is(err, relay.ErrNoSuchPairing) {
		t.Fatalf("joiner without host: %v", err)
	}
	resp, err := http.Get(opsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`warble_relay_pairings_failed_total{reason="no_such_pairing"} 1`, "go_goroutines", "warble_relay_connections"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	resp, err = http.Get(opsURL + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("/readyz: %v %v", resp.Status, err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("relay: %v", err)
	}
}
