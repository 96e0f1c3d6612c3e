package relay

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// A joiner cannot wait on a nameplate no host opened: it is refused at
// once, and the nameplate stays free for the host that picks it later.
func TestSquattingJoinerRefused(t *testing.T) {
	srv, url := startRelay(t, testLimits())
	c, err := Dial(ctxT(t), url, "4711", RoleJoin)
	if err == nil {
		c.Close()
		t.Fatal("a joiner could wait on a nameplate no host opened")
	}
	if !errors.Is(err, ErrNoSuchPairing) {
		t.Fatalf("squatting joiner: %v, want ErrNoSuchPairing", err)
	}
	waitConns(t, srv, 0)
	// Nothing was retired or taken: the real host and joiner meet there.
	pair(t, url, "4711", RoleHost, RoleJoin)
}

// One address probing nameplates runs into the join limit long before it
// has covered the nameplate space.
func TestProbingRateLimited(t *testing.T) {
	l := testLimits()
	l.JoinsPerMinute = 5
	srv, url := startRelay(t, l)
	now := time.Unix(1000, 0)
	srv.setClock(func() time.Time { return now })
	for i := range 5 {
		if _, err := Dial(ctxT(t), url, fmt.Sprint(i+1), RoleJoin); !errors.Is(err, ErrNoSuchPairing) {
			t.Fatalf("probe %d: %v, want ErrNoSuchPairing", i, err)
		}
	}
	if _, err := Dial(ctxT(t), url, "6", RoleJoin); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("probe past the limit: %v, want ErrRateLimited", err)
	}
	// Hosts are not joins: opening a nameplate still works.
	host := dial(t, url, "6", RoleHost)
	if _, err := Dial(ctxT(t), url, "6", RoleJoin); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("join past the limit on an open nameplate: %v, want ErrRateLimited", err)
	}
	host.Close()
	now = now.Add(time.Minute)
	waitConns(t, srv, 0)
	pair(t, url, "7", RoleHost, RoleJoin)
}

// An address whose pairings keep failing (a guesser) is refused further
// joins for a while.
func TestFailedPairingsRateLimited(t *testing.T) {
	l := testLimits()
	l.FailuresPerHour = 2
	srv, url := startRelay(t, l)
	now := time.Unix(1000, 0)
	srv.setClock(func() time.Time { return now })
	for i := range 2 {
		np := fmt.Sprintf("f%d", i)
		host, join := pair(t, url, np, RoleHost, RoleJoin)
		// The host finds the code wrong and says so.
		host.Fail("wrong code")
		readErr(t, join)
		waitConns(t, srv, 0)
	}
	dial(t, url, "f9", RoleHost)
	if _, err := Dial(ctxT(t), url, "f9", RoleJoin); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("join after 2 failed pairings: %v, want ErrRateLimited", err)
	}
	now = now.Add(time.Hour)
	if c, err := Dial(ctxT(t), url, "f9", RoleJoin); err != nil {
		t.Fatalf("join an hour later: %v", err)
	} else {
		c.Close()
	}
}

func TestClientKey(t *testing.T) {
	for _, c := range []struct{ addr, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"},
		{"not an address", "not an address"},
	} {
		if got := clientKey(c.addr); got != c.want {
			t.Errorf("clientKey(%q) = %q, want %q", c.addr, got, c.want)
		}
	}
}
