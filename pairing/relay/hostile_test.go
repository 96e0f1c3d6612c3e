package relay

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode"
)

// A keep-alive HTTP connection that never upgrades is closed after the
// idle timeout, not held open for ever.
func TestIdleKeepAliveClosed(t *testing.T) {
	l := testLimits()
	l.IdleTimeout = time.Second
	srv, err := NewServer(l, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := srv.HTTPServer()
	go hs.Serve(LimitListener(ln, 10, 0))
	defer hs.Close()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: relay\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Close {
		t.Fatal("the server closed at once; this test wants a keep-alive connection")
	}
	// Now silent: the server must hang up (the bound is generous; a hang
	// is the failure looked for).
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := br.ReadByte(); err == nil || isTimeout(err) {
		t.Fatalf("idle keep-alive connection still open: %v", err)
	}
}

// Connections past the listener's limit are closed at once, whether or not
// they ever send a request.
func TestLimitListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := LimitListener(inner, 2, 0)
	defer ln.Close()
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	var clients []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	a := <-accepted
	<-accepted
	// The third is closed by the listener: its read ends.
	clients[2].SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := clients[2].Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("third connection: %v, want it closed", err)
	}
	select {
	case <-accepted:
		t.Fatal("a third connection was handed out")
	default:
	}
	// Closing one makes room.
	a.Close()
	c, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case <-accepted:
	case <-time.After(20 * time.Second):
		t.Fatal("no room after a connection closed")
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// X-Forwarded-For names the client only when a trusted proxy sent it.
func TestClientAddr(t *testing.T) {
	proxy := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, c := range []struct {
		remote, xff string
		trusted     []netip.Prefix
		want        string
	}{
		{"192.0.2.1:5000", "198.51.100.7", nil, "192.0.2.1"},
		{"192.0.2.1:5000", "198.51.100.7", proxy, "192.0.2.1"},
		{"10.0.0.2:5000", "198.51.100.7", proxy, "198.51.100.7"},
		{"10.0.0.2:5000", "203.0.113.9, 198.51.100.7", proxy, "198.51.100.7"},
		{"10.0.0.2:5000", "198.51.100.7, 10.0.0.3", proxy, "198.51.100.7"},
		{"10.0.0.2:5000", "", proxy, "10.0.0.2"},
		{"10.0.0.2:5000", "junk", proxy, "10.0.0.2"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := clientAddr(r, c.trusted); got != c.want {
			t.Errorf("remote %s, XFF %q, trusted %v: %s, want %s", c.remote, c.xff, c.trusted, got, c.want)
		}
	}
}

// A peer's failure reason reaches the other side as printable text only:
// no terminal escapes, C0 or C1.
func TestFailReasonPrintable(t *testing.T) {
	_, url := startRelay(t, testLimits())
	host, join := pair(t, url, "esc", RoleHost, RoleJoin)
	evil := "wrong code\u009b2J\u009b31mOWNED\u202e"
	join.Fail(evil)
	err := readErr(t, host)
	if !errors.Is(err, ErrPeerFailed) {
		t.Fatalf("host: %v, want ErrPeerFailed", err)
	}
	for _, r := range err.Error() {
		if !unicode.IsPrint(r) {
			t.Fatalf("the relayed reason carries %U: %q", r, err.Error())
		}
	}
	if !strings.Contains(err.Error(), "wrong code") {
		t.Fatalf("the reason was lost: %q", err)
	}
	if got := clip("a\x1b[31mb\u0085c", 100); got != "a?[31mb?c" {
		t.Fatalf("clip = %q", got)
	}
}

// One address cannot take every connection the relay allows.
func TestLimitListenerPerAddress(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := LimitListener(inner, 100, 2)
	defer ln.Close()
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	var clients []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	a := <-accepted
	<-accepted
	clients[2].SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := clients[2].Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("third connection from one address: %v, want it closed", err)
	}
	a.Close()
	c, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case <-accepted:
	case <-time.After(20 * time.Second):
		t.Fatal("no room for the address after one of its connections closed")
	}
}
