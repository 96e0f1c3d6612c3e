package relay

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestMetricsAndHealth(t *testing.T) {
	srv, url := startRelay(t, testLimits())
	reg := prometheus.NewRegistry()
	if err := srv.Register(reg); err != nil {
		t.Fatal(err)
	}
	ops := httptest.NewServer(srv.OpsHandler(reg))
	defer ops.Close()

	// One pairing that forwards 5 bytes and completes, one that fails, one
	// joiner without a host, one on the retired nameplate.
	host, join := pair(t, url, "21", RoleHost, RoleJoin)
	join.Write([]byte("hello"))
	io.ReadFull(host, make([]byte, 5))
	join.Close()
	readErr(t, host)
	host.Close()
	h2, j2 := pair(t, url, "22", RoleHost, RoleJoin)
	j2.Fail("wrong code")
	readErr(t, h2)
	Dial(ctxT(t), url, "23", RoleJoin)
	Dial(ctxT(t), url, "22", RoleHost)
	waitConns(t, srv, 0)

	code, body := get(t, ops.URL+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		"warble_relay_pairings_started_total 2",
		"warble_relay_pairings_completed_total 1",
		`warble_relay_pairings_failed_total{reason="side_failed"} 1`,
		`warble_relay_pairings_failed_total{reason="no_such_pairing"} 1`,
		`warble_relay_pairings_failed_total{reason="retired"} 1`,
		"warble_relay_forwarded_bytes_total 5",
		"warble_relay_open_mailboxes 0",
		"warble_relay_connections 0",
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %q:\n%s", want, body)
		}
	}
	if code, _ := get(t, ops.URL+"/healthz"); code != 200 {
		t.Errorf("/healthz: %d", code)
	}
	if code, _ := get(t, ops.URL+"/readyz"); code != 200 {
		t.Errorf("/readyz before the drain: %d", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, ops.URL+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz while draining: %d, want 503", code)
	}
}

func TestMetricsNATSState(t *testing.T) {
	in := startNATSRelay(t, startNATS(t), testLimits())
	reg := prometheus.NewRegistry()
	if err := in.srv.Register(reg); err != nil {
		t.Fatal(err)
	}
	ops := httptest.NewServer(in.srv.OpsHandler(reg))
	defer ops.Close()
	if _, body := get(t, ops.URL+"/metrics"); !strings.Contains(body, "warble_relay_nats_connected 1\n") {
		t.Errorf("/metrics lacks the nats state:\n%s", body)
	}
	in.nc.Close()
	if _, body := get(t, ops.URL+"/metrics"); !strings.Contains(body, "warble_relay_nats_connected 0\n") {
		t.Errorf("/metrics after nats closed:\n%s", body)
	}
	if code, _ := get(t, ops.URL+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz without nats: %d, want 503", code)
	}
}

// Drain lets joined pairs go on and finish, sends waiting sides away at
// once, and takes no new clients.
func TestDrainLetsJoinedPairsFinish(t *testing.T) {
	srv, url := startRelay(t, testLimits())
	host, join := pair(t, url, "31", RoleHost, RoleJoin)
	waiting := dial(t, url, "32", RoleHost)
	drained := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		drained <- srv.Drain(ctx)
	}()
	if err := readErr(t, waiting); !errors.Is(err, ErrShutdown) {
		t.Fatalf("waiting host at the drain: %v, want ErrShutdown", err)
	}
	if _, err := Dial(ctxT(t), url, "33", RoleHost); !errors.Is(err, ErrBusy) {
		t.Fatalf("dial while draining: %v, want ErrBusy", err)
	}
	if _, err := join.Write([]byte("still here")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 10)
	if _, err := io.ReadFull(host, got); err != nil || string(got) != "still here" {
		t.Fatalf("joined pair while draining: %q, %v", got, err)
	}
	join.Close()
	host.Close()
	if err := <-drained; err != nil {
		t.Fatalf("drain after the last pair ended: %v", err)
	}
}
