package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestMain makes the test binary a relay instance when the load test
// starts it as one, as the command does.
func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" {
		if err := serve(); err != nil {
			os.Stderr.WriteString("relayload: error: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A small load test: every run pairs everything but for pairings cut by a
// killed node or relay, which must fail with a clear error, never cross.
// Nothing is asserted about time.
func TestLoadSmall(t *testing.T) {
	if _, err := exec.LookPath("nats-server"); err != nil {
		t.Skip("nats-server not installed: run scripts/setup-nats.sh")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg := config{pairings: 20, concurrency: 5, idle: 30}
	rep, err := run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*runStats{rep.single, rep.cluster} {
		if s.ok != s.n || s.crossed != 0 || s.lost != 0 {
			t.Errorf("%s: %d of %d paired, %d crossed, %d lost (%v)", s.tag, s.ok, s.n, s.crossed, s.lost, s.errs)
		}
		if len(s.latencies) != s.ok {
			t.Errorf("%s: %d latencies for %d pairings", s.tag, len(s.latencies), s.ok)
		}
	}
	for _, s := range []*runStats{rep.natsKill, rep.relayKill} {
		if s.crossed != 0 {
			t.Errorf("%s: %d pairings crossed", s.tag, s.crossed)
		}
	}
	if s := rep.relayKill; s.ok != s.n {
		t.Errorf("relay killed: %d of %d paired in the end (%v)", s.ok, s.n, s.errs)
	}
	if rep.idle == nil || rep.idle.with <= 0 {
		t.Error("no idle memory measured")
	}
	var out bytes.Buffer
	rep.markdown(&out, cfg)
	if !strings.Contains(out.String(), "3 relays on 3-node NATS | 20/20 | 0 | 0 |") {
		t.Errorf("report:\n%s", out.String())
	}
}
