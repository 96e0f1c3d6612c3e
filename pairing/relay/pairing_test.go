package relay

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"warble/pairing"
)

// handshake runs pairing.Host and pairing.Join over two relay connections.
func handshake(t *testing.T, hostRW, joinRW io.ReadWriter, hostCode, joinCode pairing.Code) (hr, jr *pairing.Result, herr, jerr error) {
	t.Helper()
	hostID, err := pairing.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	joinID, err := pairing.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		hr, herr = pairing.Host(ctx, hostRW, hostCode, hostID, pairing.Info{Name: "host", Kind: "test"})
	}()
	go func() {
		defer wg.Done()
		jr, jerr = pairing.Join(ctx, joinRW, joinCode, joinID, pairing.Info{Name: "joiner", Kind: "test"})
	}()
	wg.Wait()
	if herr == nil && jerr == nil {
		if hr.Fingerprint != joinID.Fingerprint() || jr.Fingerprint != hostID.Fingerprint() {
			t.Fatal("the sides disagree on each other's fingerprints")
		}
	}
	return hr, jr, herr, jerr
}

func TestPairingThroughRelay(t *testing.T) {
	_, url := startRelay(t, testLimits())
	code, err := pairing.NewCode()
	if err != nil {
		t.Fatal(err)
	}
	host := dial(t, url, code.Nameplate(), RoleHost)
	join := dial(t, url, code.Nameplate(), RoleJoin)
	hr, jr, herr, jerr := handshake(t, host, join, code, code)
	if herr != nil || jerr != nil {
		t.Fatalf("pairing through the relay: host %v, joiner %v", herr, jerr)
	}
	// The sides keep an end-to-end encrypted stream through the relay.
	hs, err := hr.Secure(host)
	if err != nil {
		t.Fatal(err)
	}
	js, err := jr.Secure(join)
	if err != nil {
		t.Fatal(err)
	}
	go js.Write([]byte("over the relay, sealed"))
	got := make([]byte, 22)
	if _, err := io.ReadFull(hs, got); err != nil || string(got) != "over the relay, sealed" {
		t.Fatalf("secure stream through the relay: %q, %v", got, err)
	}
}

func TestWrongCodeThroughRelayRetires(t *testing.T) {
	_, url := startRelay(t, testLimits())
	code, err := pairing.NewCode()
	if err != nil {
		t.Fatal(err)
	}
	typo, err := pairing.ParseCode(code.String() + "x")
	if err != nil {
		t.Fatal(err)
	}
	host := dial(t, url, code.Nameplate(), RoleHost)
	join := dial(t, url, code.Nameplate(), RoleJoin)
	_, _, herr, jerr := handshake(t, host, join, code, typo)
	if !errors.Is(herr, pairing.ErrWrongCode) || !errors.Is(jerr, pairing.ErrWrongCode) {
		t.Fatalf("mistyped code: host %v, joiner %v; want ErrWrongCode on both", herr, jerr)
	}
	join.Fail("wrong code")
	host.Close()
	for _, role := range []Role{RoleHost, RoleJoin} {
		if _, err := Dial(ctxT(t), url, code.Nameplate(), role); !errors.Is(err, ErrRetired) {
			t.Errorf("%v after a wrong code: %v, want ErrRetired", role, err)
		}
	}
}

// cutAfterWrite cuts the relay once its side's first write has gone out.
type cutAfterWrite struct {
	*Conn
	once sync.Once
	cut  func()
}

func (c *cutAfterWrite) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.once.Do(c.cut)
	return n, err
}

func TestRelayDropsMidPairing(t *testing.T) {
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
	code, err := pairing.NewCode()
	if err != nil {
		t.Fatal(err)
	}
	host := dial(t, url, code.Nameplate(), RoleHost)
	join := dial(t, url, code.Nameplate(), RoleJoin)
	// The joiner speaks first; the relay dies as its first message leaves.
	_, _, herr, jerr := handshake(t, host, &cutAfterWrite{Conn: join, cut: dl.drop}, code, code)
	if herr == nil || jerr == nil {
		t.Fatalf("pairing survived the relay dropping: host %v, joiner %v", herr, jerr)
	}
	if errors.Is(herr, context.DeadlineExceeded) || errors.Is(jerr, context.DeadlineExceeded) {
		t.Fatalf("a side hung until its deadline: host %v, joiner %v", herr, jerr)
	}
	t.Logf("host: %v; joiner: %v", herr, jerr)
}
