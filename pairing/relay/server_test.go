package relay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"warble/pairing"
)

// testLimits are DefaultLimits with room for many loopback clients.
func testLimits() Limits {
	l := DefaultLimits
	l.MaxConnsPerIP = 10000
	l.MaxConns = 10000
	l.JoinsPerMinute = 100000
	l.FailuresPerHour = 100000
	return l
}

// startRelay serves a relay on loopback until the test ends.
func startRelay(t testing.TB, l Limits) (*Server, string) {
	t.Helper()
	srv, err := NewServer(l, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return srv, "ws" + strings.TrimPrefix(hs.URL, "http")
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t testing.TB, url, nameplate string, role Role) *Conn {
	t.Helper()
	c, err := Dial(ctxT(t), url, nameplate, role)
	if err != nil {
		t.Fatalf("dial %s as %v: %v", nameplate, role, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// pair dials both sides of nameplate and waits until they are joined.
func pair(t testing.TB, url, nameplate string, a, b Role) (*Conn, *Conn) {
	t.Helper()
	ca := dial(t, url, nameplate, a)
	cb := dial(t, url, nameplate, b)
	for _, c := range []*Conn{ca, cb} {
		if err := c.Wait(ctxT(t)); err != nil {
			t.Fatalf("wait: %v", err)
		}
	}
	return ca, cb
}

// readErr reads from c until an error, failing the test if that takes
// longer than a generous bound (a hang is the failure looked for).
func readErr(t *testing.T, c *Conn) error {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 64)
	for {
		if _, err := c.Read(buf); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Error("read did not end")
			}
			return err
		}
	}
}

func TestForwardBothWays(t *testing.T) {
	l := testLimits()
	l.MaxMessageBytes = 1024
	_, url := startRelay(t, l)
	host, join := pair(t, url, "7", RoleHost, RoleJoin)

	big := bytes.Repeat([]byte("0123456789abcdef"), 1000) // many messages
	errc := make(chan error, 1)
	go func() {
		_, err := host.Write(big)
		errc <- err
	}()
	got := make([]byte, len(big))
	if _, err := io.ReadFull(join, got); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, big) {
		t.Fatal("joiner read other bytes than the host wrote")
	}
	if _, err := join.Write([]byte("back")); err != nil {
		t.Fatal(err)
	}
	back := make([]byte, 4)
	if _, err := io.ReadFull(host, back); err != nil || string(back) != "back" {
		t.Fatalf("host read %q, %v", back, err)
	}
	join.Close()
	if err := readErr(t, host); !errors.Is(err, ErrPeerLeft) {
		t.Fatalf("host after joiner left: %v, want ErrPeerLeft", err)
	}
}

// TestWriteFirst has both sides write before anyone reads: each Write must
// wait for the join on its own.
func TestWriteFirst(t *testing.T) {
	_, url := startRelay(t, testLimits())
	host := dial(t, url, "12", RoleHost)
	join := dial(t, url, "12", RoleJoin)
	var wg sync.WaitGroup
	for _, c := range []*Conn{host, join} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Write([]byte(c.LocalAddr().String())); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for c, want := range map[*Conn]string{host: "join", join: "host"} {
		got := make([]byte, len(want))
		if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
			t.Errorf("read %q, %v; want %q", got, err, want)
		}
	}
}

func TestConcurrentPairingsNotCrossed(t *testing.T) {
	const pairs = 500
	_, url := startRelay(t, testLimits())
	ctx := ctxT(t)
	var wg sync.WaitGroup
	errs := make(chan error, 2*pairs)
	side := func(i int, role Role) {
		defer wg.Done()
		np := fmt.Sprintf("%d-pair", i)
		c, err := Dial(ctx, url, np, role)
		// Only a host opens a nameplate: a joiner that came first
		// tries again.
		for errors.Is(err, ErrNoSuchPairing) && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
			c, err = Dial(ctx, url, np, role)
		}
		if err != nil {
			errs <- fmt.Errorf("pair %d %v: %w", i, role, err)
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(60 * time.Second))
		say := fmt.Sprintf("%v of pair %d", role, i)
		want := fmt.Sprintf("%v of pair %d", role.Other(), i)
		werr := make(chan error, 1)
		go func() { _, err := c.Write([]byte(say)); werr <- err }()
		got := make([]byte, len(want))
		if _, err := io.ReadFull(c, got); err != nil {
			errs <- fmt.Errorf("pair %d %v: read: %w", i, role, err)
			return
		}
		if string(got) != want {
			errs <- fmt.Errorf("pair %d %v: read %q, want %q", i, role, got, want)
		}
		if err := <-werr; err != nil {
			errs <- fmt.Errorf("pair %d %v: write: %w", i, role, err)
		}
		// Wait for the other side's bye, so neither hangs up early.
		if _, err := c.Write([]byte{'.'}); err != nil {
			errs <- err
			return
		}
		if _, err := io.ReadFull(c, got[:1]); err != nil || got[0] != '.' {
			errs <- fmt.Errorf("pair %d %v: bye %q, %v", i, role, got[:1], err)
		}
	}
	for i := range pairs {
		wg.Add(2)
		go side(i, RoleHost)
		go side(i, RoleJoin)
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if n++; n <= 10 {
			t.Error(err)
		}
	}
	if n > 0 {
		t.Fatalf("%d of %d sides failed", n, 2*pairs)
	}
}

// serverGoroutines counts the goroutines running relay connection handlers
// and all goroutines.
func serverGoroutines() (relay, all int) {
	buf := make([]byte, 64<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		all++
		if bytes.Contains(g, []byte("relay.(*Server).ServeHTTP")) {
			relay++
		}
	}
	return relay, all
}

func TestIdleConnectionsGoroutines(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 200
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < uint64(2*n+200) {
		n = int(lim.Cur-200) / 2
		t.Logf("open file limit %d: %d connections", lim.Cur, n)
	}
	srv, url := startRelay(t, testLimits())
	runtime.GC()
	_, before := serverGoroutines()
	conns := make([]*Conn, 0, n)
	for i := range n {
		c, err := Dial(ctxT(t), url, fmt.Sprintf("idle-%d", i), RoleHost)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if got := srv.Conns(); got != n {
		t.Fatalf("server holds %d connections, want %d", got, n)
	}
	handlers, after := serverGoroutines()
	perConn := float64(after-before) / float64(n)
	t.Logf("%d idle connections: %d handler goroutines, %.2f goroutines per connection (client and server ends together)", n, handlers, perConn)
	if handlers > n {
		t.Errorf("%d handler goroutines for %d connections", handlers, n)
	}
	// One goroutine serves each connection; the client end costs none.
	if perConn > 1.1 {
		t.Errorf("%.2f goroutines per idle connection, want at most 1.1", perConn)
	}
}

func TestSecondJoinerRefused(t *testing.T) {
	_, url := startRelay(t, testLimits())
	pair(t, url, "42", RoleHost, RoleJoin)
	for _, role := range []Role{RoleJoin, RoleHost} {
		if c, err := Dial(ctxT(t), url, "42", role); !errors.Is(err, ErrTaken) {
			if c != nil {
				c.Close()
			}
			t.Errorf("%v racing for a joined nameplate: %v, want ErrTaken", role, err)
		}
	}
	dial(t, url, "43", RoleHost)
	if _, err := Dial(ctxT(t), url, "43", RoleHost); !errors.Is(err, ErrTaken) {
		t.Errorf("second host on a waiting nameplate: %v, want ErrTaken", err)
	}
}

func TestFailRetiresNameplate(t *testing.T) {
	_, url := startRelay(t, testLimits())
	host, join := pair(t, url, "9", RoleHost, RoleJoin)
	if err := join.Fail("key confirmation failed: wrong code"); err != nil {
		t.Fatal(err)
	}
	err := readErr(t, host)
	if !errors.Is(err, ErrPeerFailed) || !strings.Contains(err.Error(), "wrong code") {
		t.Fatalf("host after joiner failed: %v, want ErrPeerFailed with the reason", err)
	}
	for _, role := range []Role{RoleHost, RoleJoin} {
		if _, err := Dial(ctxT(t), url, "9", role); !errors.Is(err, ErrRetired) {
			t.Errorf("%v on a failed nameplate: %v, want ErrRetired", role, err)
		}
	}
}

func TestJoinedPairingRetiresNameplate(t *testing.T) {
	srv, url := startRelay(t, testLimits())
	host, join := pair(t, url, "5", RoleHost, RoleJoin)
	host.Close()
	readErr(t, join)
	join.Close()
	waitConns(t, srv, 0)
	if _, err := Dial(ctxT(t), url, "5", RoleJoin); !errors.Is(err, ErrRetired) {
		t.Errorf("join on a used nameplate: %v, want ErrRetired", err)
	}
}

func TestWaitingSideLeavingFreesNameplate(t *testing.T) {
	srv, url := startRelay(t, testLimits())
	c := dial(t, url, "3", RoleHost)
	c.Close()
	waitConns(t, srv, 0)
	pair(t, url, "3", RoleHost, RoleJoin)
}

func TestReconnectChannelReusable(t *testing.T) {
	srv, url := startRelay(t, testLimits())
	a, b := pairing.Fingerprint(make([]byte, 32)), pairing.Fingerprint(bytes.Repeat([]byte{1}, 32))
	ch := pairing.RendezvousName(a, b, time.Now())
	if _, err := checkNameplate(ch); err != nil {
		t.Fatalf("reconnect channel %q: %v", ch, err)
	}
	for range 2 {
		a, c := pair(t, url, ch, RoleAccept, RoleConnect)
		if _, err := Dial(ctxT(t), url, ch, RoleConnect); !errors.Is(err, ErrTaken) {
			t.Errorf("second connector: %v, want ErrTaken", err)
		}
		a.Close()
		c.Close()
		waitConns(t, srv, 0)
	}
	// A pairing nameplate of the same name is a different one.
	pair(t, url, ch, RoleHost, RoleJoin)
}

// waitConns waits until the server holds n connections.
func waitConns(t *testing.T, srv *Server, n int) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); srv.Conns() != n; {
		if time.Now().After(end) {
			t.Fatalf("server holds %d connections, want %d", srv.Conns(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// dropListener remembers the connections it accepts, so a test can cut
// them all, as a relay that crashes or loses its network does.
type dropListener struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *dropListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

func (l *dropListener) drop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
}

func TestRelayDropsMidHandshake(t *testing.T) {
	srv, err := NewServer(testLimits(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dl := &dropListener{Listener: ln}
	hs := &http.Server{Handler: srv}
	go hs.Serve(dl)
	defer hs.Close()
	url := "ws://" + ln.Addr().String()
	host, join := pair(t, url, "8", RoleHost, RoleJoin)
	if _, err := host.Write([]byte("first handshake message")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 5)
	if _, err := io.ReadFull(join, got); err != nil {
		t.Fatal(err)
	}
	// The relay vanishes without a close handshake.
	dl.drop()
	for _, c := range []*Conn{host, join} {
		err := readErr(t, c)
		if err == nil {
			t.Fatal("read after the relay dropped succeeded")
		}
		if _, err := c.Write([]byte("more")); err == nil {
			t.Error("write after the relay dropped succeeded")
		}
	}
}

func TestShutdownTellsClients(t *testing.T) {
	srv, url := startRelay(t, testLimits())
	host, join := pair(t, url, "11", RoleHost, RoleJoin)
	errc := make(chan error, 2)
	go func() { errc <- readErr(t, host) }()
	go func() { errc <- readErr(t, join) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-errc; !errors.Is(err, ErrShutdown) && !errors.Is(err, ErrPeerLeft) {
			t.Errorf("read after shutdown: %v, want ErrShutdown or ErrPeerLeft", err)
		}
	}
	if _, err := Dial(ctxT(t), url, "12", RoleHost); !errors.Is(err, ErrBusy) {
		t.Fatalf("dial after shutdown: %v, want ErrBusy", err)
	}
}

// rawDial opens a WebSocket to the relay without the client's checks.
func rawDial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.Dial(ctxT(t), url, &websocket.DialOptions{Subprotocols: []string{Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	ws.SetReadLimit(1 << 20)
	return ws
}

// closeCode reads from ws until the relay closes it, and returns the code.
func closeCode(t *testing.T, ws *websocket.Conn) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		_, _, err := ws.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				t.Fatal("relay did not close the connection")
			}
			return websocket.CloseStatus(err)
		}
	}
}

func TestOversizedMessage(t *testing.T) {
	l := testLimits()
	l.MaxMessageBytes = 4096
	_, url := startRelay(t, l)

	ws := rawDial(t, url)
	big := append([]byte{msgHello, protocolVersion, byte(RoleHost)}, bytes.Repeat([]byte("a"), 5000)...)
	ws.Write(ctxT(t), websocket.MessageBinary, big)
	if code := closeCode(t, ws); code != websocket.StatusMessageTooBig {
		t.Errorf("oversized hello: close code %v, want %v", code, websocket.StatusMessageTooBig)
	}

	host := dial(t, url, "99", RoleHost)
	ws = rawDial(t, url)
	ws.Write(ctxT(t), websocket.MessageBinary, hello{role: RoleJoin, nameplate: "99"}.marshal())
	ws.Write(ctxT(t), websocket.MessageBinary, append([]byte{msgData}, make([]byte, 4096)...))
	if code := closeCode(t, ws); code != websocket.StatusMessageTooBig {
		t.Errorf("oversized data: close code %v, want %v", code, websocket.StatusMessageTooBig)
	}
	if err := readErr(t, host); !errors.Is(err, ErrPeerLeft) {
		t.Errorf("host after the joiner's oversized message: %v, want ErrPeerLeft", err)
	}
	if _, err := Dial(ctxT(t), url, "99", RoleJoin); !errors.Is(err, ErrRetired) {
		t.Errorf("join after a joined pair broke: %v, want ErrRetired", err)
	}
}

func TestBadMessagesClose(t *testing.T) {
	_, url := startRelay(t, testLimits())
	cases := []struct {
		name string
		msgs [][]byte
	}{
		{"data first", [][]byte{{msgData, 1, 2}}},
		{"old version", [][]byte{{msgHello, 9, byte(RoleHost), '1'}}},
		{"bad role", [][]byte{{msgHello, protocolVersion, 0, '1'}}},
		{"upper case nameplate", [][]byte{append([]byte{msgHello, protocolVersion, byte(RoleHost)}, "ABC"...)}},
		{"empty", [][]byte{{}}},
		{"second hello", [][]byte{hello{RoleHost, "b1"}.marshal(), hello{RoleHost, "b2"}.marshal()}},
		{"data alone", [][]byte{hello{RoleHost, "b3"}.marshal(), {msgData, 'x'}}},
		{"keepalive with body", [][]byte{hello{RoleHost, "b4"}.marshal(), {msgKeepalive, 0}}},
		{"unknown type", [][]byte{hello{RoleHost, "b5"}.marshal(), {'Z'}}},
		{"control in reason", [][]byte{hello{RoleHost, "b6"}.marshal(), {msgFail, 'a', '\n'}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws := rawDial(t, url)
			for _, m := range tc.msgs {
				ws.Write(ctxT(t), websocket.MessageBinary, m)
			}
			if code := closeCode(t, ws); code != codeBadMessage {
				t.Errorf("close code %v, want %v", code, codeBadMessage)
			}
		})
	}
}

func TestConnectionsPerAddress(t *testing.T) {
	l := testLimits()
	l.MaxConnsPerIP = 2
	srv, url := startRelay(t, l)
	a := dial(t, url, "1", RoleHost)
	dial(t, url, "2", RoleHost)
	if _, err := Dial(ctxT(t), url, "3", RoleHost); !errors.Is(err, ErrBusy) {
		t.Fatalf("third connection from one address: %v, want ErrBusy", err)
	}
	a.Close()
	waitConns(t, srv, 1)
	dial(t, url, "3", RoleHost)
}

func TestTimeouts(t *testing.T) {
	l := testLimits()
	l.IdleTimeout = time.Second
	l.WaitTimeout = 2 * time.Second
	_, url := startRelay(t, l)

	// Silent after its hello: closed for idleness.
	ws := rawDial(t, url)
	ws.Write(ctxT(t), websocket.MessageBinary, hello{RoleHost, "t1"}.marshal())
	if code := closeCode(t, ws); code != codeTimeout {
		t.Errorf("silent client: close code %v, want %v", code, codeTimeout)
	}
	// The client's keepalives outlast the idle timeout, but nobody
	// comes within the wait timeout.
	c := dial(t, url, "t2", RoleHost)
	if err := c.Wait(ctxT(t)); !errors.Is(err, ErrTimeout) {
		t.Errorf("waiting alone: %v, want ErrTimeout", err)
	}
	// A joined pair that keeps quiet stays up past the idle timeout.
	host, join := pair(t, url, "t3", RoleHost, RoleJoin)
	time.Sleep(1500 * time.Millisecond) // past the idle timeout
	if _, err := host.Write([]byte("still here")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 10)
	if _, err := io.ReadFull(join, got); err != nil {
		t.Fatalf("after a quiet spell: %v", err)
	}
}

func TestLimitsChecked(t *testing.T) {
	bad := []func(*Limits){
		func(l *Limits) { l.MaxMessageBytes = 10 },
		func(l *Limits) { l.IdleTimeout = 0 },
		func(l *Limits) { l.WaitTimeout = -time.Second },
		func(l *Limits) { l.MaxConnsPerIP = 0 },
		func(l *Limits) { l.MaxConns = 1 },
		func(l *Limits) { l.RetireFor = 0 },
		func(l *Limits) { l.MaxRetired = 0 },
		func(l *Limits) { l.JoinsPerMinute = 0 },
		func(l *Limits) { l.FailuresPerHour = -1 },
	}
	for i, f := range bad {
		l := DefaultLimits
		f(&l)
		if _, err := NewServer(l, nil, nil); err == nil || !strings.HasPrefix(err.Error(), "relay: ") {
			t.Errorf("case %d: NewServer(%+v) = %v, want a relay: error", i, l, err)
		}
	}
}

func TestDeadlineInterruptsBlockedRead(t *testing.T) {
	_, url := startRelay(t, testLimits())
	alone := dial(t, url, "d1", RoleHost) // nobody joins
	host, _ := pair(t, url, "d2", RoleHost, RoleJoin)
	for name, c := range map[string]*Conn{"before the join": alone, "after the join": host} {
		errc := make(chan error, 1)
		go func() {
			_, err := c.Read(make([]byte, 1))
			errc <- err
		}()
		time.Sleep(20 * time.Millisecond) // let the Read block
		c.SetDeadline(time.Now().Add(10 * time.Millisecond))
		select {
		case err := <-errc:
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("%s: blocked read ended with %v, want os.ErrDeadlineExceeded", name, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: the deadline did not end a blocked read", name)
		}
	}
}

func TestJoinersRacing(t *testing.T) {
	const racers = 20
	_, url := startRelay(t, testLimits())
	host := dial(t, url, "77", RoleHost)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, refused := 0, 0
	for range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Dial(ctxT(t), url, "77", RoleJoin)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
				t.Cleanup(func() { c.Close() })
			case errors.Is(err, ErrTaken):
				refused++
			default:
				t.Errorf("racing joiner: %v", err)
			}
		}()
	}
	wg.Wait()
	if won != 1 || refused != racers-1 {
		t.Fatalf("%d joiners won and %d were refused, want 1 and %d", won, refused, racers-1)
	}
	if err := host.Wait(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}
