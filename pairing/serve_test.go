package pairing

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func hostOn(ln net.Listener, attempts int, code Code, self *Identity) (chan *Result, chan error) {
	resc, errc := make(chan *Result, 1), make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		res, conn, err := Serve(ctx, ln, attempts, func(ctx context.Context, c net.Conn) (*Result, error) {
			return Host(ctx, c, code, self, Info{Name: "host"})
		})
		if conn != nil {
			conn.Close()
		}
		resc <- res
		errc <- err
	}()
	return resc, errc
}

func joinAt(addr string, code Code, self *Identity) (*Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return Join(ctx, c, code, self, Info{Name: "joiner"})
}

func TestSecondJoinerRacing(t *testing.T) {
	code := mustCode(t, "5-otter-onion-orbit")
	ln := listen(t)
	resc, errc := hostOn(ln, 1, code, testIdentity(t, 1))
	// Both joiners know the code; exactly one may pair, the other is
	// turned away, and nothing crosses.
	// Both connect before either speaks.
	var conns [2]net.Conn
	for i := range conns {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	var wg sync.WaitGroup
	res := make([]*Result, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res[i], errs[i] = Join(ctx, conns[i], code, testIdentity(t, byte(2+i)), Info{Name: "joiner"})
			conns[i].Close()
		}()
	}
	wg.Wait()
	hres, herr := <-resc, <-errc
	if herr != nil {
		t.Fatalf("host: %v", herr)
	}
	won := -1
	for i := range 2 {
		if errs[i] == nil {
			if won >= 0 {
				t.Fatal("both joiners paired")
			}
			won = i
		} else if !errors.Is(errs[i], ErrBusy) && !errors.Is(errs[i], ErrPeerGone) {
			t.Errorf("losing joiner: %v, want ErrBusy or ErrPeerGone", errs[i])
		}
	}
	if won < 0 {
		t.Fatalf("no joiner paired: %v, %v", errs[0], errs[1])
	}
	if hres.Fingerprint != testIdentity(t, byte(2+won)).Fingerprint() {
		t.Error("host paired with a different joiner than the one that succeeded")
	}
}

func TestCodeRetiredAfterFailures(t *testing.T) {
	code := mustCode(t, "5-otter-onion-orbit")
	ln := listen(t)
	resc, errc := hostOn(ln, 2, code, testIdentity(t, 1))
	for range 2 {
		if _, err := joinAt(ln.Addr().String(), mustCode(t, "5-otter-onion-orbix"), testIdentity(t, 2)); !errors.Is(err, ErrWrongCode) {
			t.Fatalf("wrong code: %v", err)
		}
	}
	if res, err := <-resc, <-errc; res != nil || !errors.Is(err, ErrAttemptsUsed) || !errors.Is(err, ErrWrongCode) {
		t.Fatalf("host after two wrong codes: %v, %v; want ErrAttemptsUsed and ErrWrongCode", res != nil, err)
	}
	// The right code now finds nobody: the host retired it.
	if _, err := joinAt(ln.Addr().String(), code, testIdentity(t, 2)); err == nil {
		t.Fatal("the code paired after a failed attempt")
	}
}

func TestServeCanceled(t *testing.T) {
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := Serve(ctx, ln, 1, func(ctx context.Context, c net.Conn) (*Result, error) { return nil, nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Serve with a canceled context: %v", err)
	}
}

// Whoever connects first and fails (here: someone without the code) does
// not stop the real joiner from pairing.
func TestServeOutlastsAFailedAttempt(t *testing.T) {
	code := mustCode(t, "5-otter-onion-orbit")
	ln := listen(t)
	resc, errc := hostOn(ln, 3, code, testIdentity(t, 1))
	// The first connects and sends garbage; the second guesses.
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte{0xff, 0xff, 0xff})
	c.Read(make([]byte, 1)) // the host's abort, or the close
	c.Close()
	if _, err := joinAt(ln.Addr().String(), mustCode(t, "5-otter-onion-orbix"), testIdentity(t, 3)); !errors.Is(err, ErrWrongCode) {
		t.Fatalf("guesser: %v, want ErrWrongCode", err)
	}
	res, err := joinAt(ln.Addr().String(), code, testIdentity(t, 2))
	if err != nil {
		t.Fatalf("the real joiner after two failed attempts: %v", err)
	}
	hres, herr := <-resc, <-errc
	if herr != nil || hres.Fingerprint != testIdentity(t, 2).Fingerprint() || res.Fingerprint != testIdentity(t, 1).Fingerprint() {
		t.Fatalf("host: %v, %v", hres, herr)
	}
}
