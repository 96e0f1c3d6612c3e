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

func hostOn(ln net.Listener, code Code, self *Identity) (chan *Result, chan error) {
	resc, errc := make(chan *Result, 1), make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		res, conn, err := Serve(ctx, ln, func(ctx context.Context, c net.Conn) (*Result, error) {
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
	resc, errc := hostOn(ln, code, testIdentity(t, 1))
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

func TestCodeRetiredAfterFailure(t *testing.T) {
	code := mustCode(t, "5-otter-onion-orbit")
	ln := listen(t)
	resc, errc := hostOn(ln, code, testIdentity(t, 1))
	if _, err := joinAt(ln.Addr().String(), mustCode(t, "5-otter-onion-orbix"), testIdentity(t, 2)); !errors.Is(err, ErrWrongCode) {
		t.Fatalf("wrong code: %v", err)
	}
	if res, err := <-resc, <-errc; res != nil || !errors.Is(err, ErrWrongCode) {
		t.Fatalf("host after a wrong code: %v, %v", res != nil, err)
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
	_, _, err := Serve(ctx, ln, func(ctx context.Context, c net.Conn) (*Result, error) { return nil, nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Serve with a canceled context: %v", err)
	}
}
