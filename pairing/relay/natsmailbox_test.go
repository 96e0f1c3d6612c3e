package relay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// startNATS runs an embedded NATS server with JetStream on a loopback port
// until the test ends, and returns its URL.
func startNATS(t testing.TB) string {
	t.Helper()
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		NoLog: true, NoSigs: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(20 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(ns.Shutdown)
	return ns.ClientURL()
}

// natsInstance is one relay instance on a NATS mailbox.
type natsInstance struct {
	srv *Server
	nc  *nats.Conn
	hs  *httptest.Server
	url string
}

// startNATSRelay serves a relay instance on loopback whose mailbox is on
// the NATS server at natsURL, until the test ends or kill.
func startNATSRelay(t testing.TB, natsURL string, l Limits) *natsInstance {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := NewNATSMailbox(ctxT(t), nc, l.RetireFor)
	if err != nil {
		t.Fatal(err)
	}
	in0 := mb
	srv, err := NewServer(l, mb, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := &natsInstance{srv: srv, nc: nc, hs: httptest.NewServer(srv)}
	in.url = "ws" + strings.TrimPrefix(in.hs.URL, "http")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		in.hs.Close()
		in0.Close()
		nc.Close()
	})
	return in
}

func waitJoined(t *testing.T, cs ...*Conn) {
	t.Helper()
	for _, c := range cs {
		if err := c.Wait(ctxT(t)); err != nil {
			t.Fatalf("wait: %v", err)
		}
	}
}

func TestNATSPairAcrossInstances(t *testing.T) {
	nu := startNATS(t)
	a, b := startNATSRelay(t, nu, testLimits()), startNATSRelay(t, nu, testLimits())
	host := dial(t, a.url, "7", RoleHost)
	join := dial(t, b.url, "7", RoleJoin)
	waitJoined(t, host, join)

	big := bytes.Repeat([]byte("0123456789abcdef"), 20000) // many messages, in order
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
	if err := readErr(t, host); !errors.Is(err, ErrPeerLeft) || !strings.Contains(err.Error(), "join left") {
		t.Fatalf("host after the joiner left: %v, want ErrPeerLeft naming the joiner", err)
	}
}

func TestNATSRetiredOnEveryInstance(t *testing.T) {
	nu := startNATS(t)
	a, b := startNATSRelay(t, nu, testLimits()), startNATSRelay(t, nu, testLimits())
	host := dial(t, a.url, "8", RoleHost)
	join := dial(t, b.url, "8", RoleJoin)
	waitJoined(t, host, join)
	if err := join.Fail("wrong code"); err != nil {
		t.Fatal(err)
	}
	if err := readErr(t, host); !errors.Is(err, ErrPeerFailed) || !strings.Contains(err.Error(), "wrong code") {
		t.Fatalf("host after the joiner failed: %v, want ErrPeerFailed with its reason", err)
	}
	for _, in := range []*natsInstance{a, b} {
		for _, role := range []Role{RoleHost, RoleJoin} {
			_, err := Dial(ctxT(t), in.url, "8", role)
			if !errors.Is(err, ErrRetired) {
				t.Errorf("%v on an instance after the pairing failed: %v, want ErrRetired", role, err)
			}
		}
	}
	// Another nameplate is untouched.
	h2 := dial(t, b.url, "9", RoleHost)
	j2 := dial(t, a.url, "9", RoleJoin)
	waitJoined(t, h2, j2)
}

func TestNATSJoinerWithoutHost(t *testing.T) {
	nu := startNATS(t)
	a, b := startNATSRelay(t, nu, testLimits()), startNATSRelay(t, nu, testLimits())
	if _, err := Dial(ctxT(t), b.url, "5", RoleJoin); !errors.Is(err, ErrNoSuchPairing) {
		t.Fatalf("joiner first: %v, want ErrNoSuchPairing", err)
	}
	// A host that waited and left freed the nameplate on every instance.
	host := dial(t, a.url, "5", RoleHost)
	host.Close()
	waitConns(t, a.srv, 0)
	if _, err := Dial(ctxT(t), b.url, "5", RoleJoin); !errors.Is(err, ErrNoSuchPairing) {
		t.Fatalf("joiner after the host left unjoined: %v, want ErrNoSuchPairing", err)
	}
	h := dial(t, b.url, "5", RoleHost)
	j := dial(t, a.url, "5", RoleJoin)
	waitJoined(t, h, j)
}

// A host whose relay instance vanished without withdrawing its claim (a
// crash, a lost NATS link) leaves a claim behind; a joiner that finds it is
// told at once that the host left.
func TestNATSHostInstanceGone(t *testing.T) {
	nu := startNATS(t)
	a, b := startNATSRelay(t, nu, testLimits()), startNATSRelay(t, nu, testLimits())
	dial(t, a.url, "6", RoleHost)
	a.nc.Close() // instance a's inboxes go; its claim stays
	_, err := Dial(ctxT(t), b.url, "6", RoleJoin)
	if !errors.Is(err, ErrPeerLeft) || !strings.Contains(err.Error(), "host left") {
		t.Fatalf("joiner of a host on a dead instance: %v, want ErrPeerLeft: host left", err)
	}
	// The stale claim is gone: the nameplate is free for a new host.
	h := dial(t, b.url, "6", RoleHost)
	j := dial(t, b.url, "6", RoleJoin)
	waitJoined(t, h, j)
}

// A joined host that quits ends its joiner at once, on either backend.
func TestHostQuitsJoinerFailsAtOnce(t *testing.T) {
	nu := startNATS(t)
	_, memURL := startRelay(t, testLimits())
	a, b := startNATSRelay(t, nu, testLimits()), startNATSRelay(t, nu, testLimits())
	for _, tc := range []struct{ name, hostURL, joinURL string }{
		{"memory", memURL, memURL},
		{"nats", a.url, b.url},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := dial(t, tc.hostURL, "4", RoleHost)
			join := dial(t, tc.joinURL, "4", RoleJoin)
			waitJoined(t, host, join)
			host.Close()
			err := readErr(t, join)
			if !errors.Is(err, ErrPeerLeft) || !strings.Contains(err.Error(), "host left") {
				t.Fatalf("joiner after its host quit: %v, want ErrPeerLeft: host left", err)
			}
		})
	}
}

// Many pairings at once, host and joiner always on different instances,
// each pair exchanging its own bytes: none crossed, none lost.
func TestNATSConcurrentPairingsNotCrossed(t *testing.T) {
	nu := startNATS(t)
	ins := []*natsInstance{startNATSRelay(t, nu, testLimits()), startNATSRelay(t, nu, testLimits()), startNATSRelay(t, nu, testLimits())}
	const n = 30
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			np := fmt.Sprintf("c%d", i)
			hu, ju := ins[i%3].url, ins[(i+1)%3].url
			ctx := ctxT(t)
			host, err := Dial(ctx, hu, np, RoleHost)
			if err != nil {
				errc <- fmt.Errorf("%s host: %w", np, err)
				return
			}
			defer host.Close()
			join, err := Dial(ctx, ju, np, RoleJoin)
			if err != nil {
				errc <- fmt.Errorf("%s join: %w", np, err)
				return
			}
			defer join.Close()
			msg := []byte("pairing " + np)
			if _, err := host.Write(msg); err != nil {
				errc <- err
				return
			}
			got := make([]byte, len(msg))
			join.SetReadDeadline(time.Now().Add(20 * time.Second))
			if _, err := io.ReadFull(join, got); err != nil {
				errc <- fmt.Errorf("%s: %w", np, err)
				return
			}
			if !bytes.Equal(got, msg) {
				errc <- fmt.Errorf("%s: joiner read %q, crossed", np, got)
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}

// A joined side whose peer's instance died (no goodbye) is ended with
// "left" once its mailbox finds that instance gone.
func TestNATSPeerInstanceDies(t *testing.T) {
	nu := startNATS(t)
	a, b := startNATSRelay(t, nu, testLimits()), startNATSRelay(t, nu, testLimits())
	host := dial(t, a.url, "3", RoleHost)
	join := dial(t, b.url, "3", RoleJoin)
	waitJoined(t, host, join)
	a.nc.Close() // a dies without telling b
	if err := readErr(t, join); !errors.Is(err, ErrPeerLeft) || !strings.Contains(err.Error(), "host left") {
		t.Fatalf("joiner after its host's instance died: %v, want ErrPeerLeft: host left", err)
	}
}
