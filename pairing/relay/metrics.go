package relay

import (
	"errors"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Reasons a pairing fails, the reason label of
// warble_relay_pairings_failed_total.
const (
	failNoSuch    = "no_such_pairing" // a joiner named a nameplate no host opened
	failRetired   = "retired"         // a side named a used nameplate
	failTaken     = "taken"           // a side named a nameplate held by others
	failHostLeft  = "host_left"       // the host was gone when its joiner came
	failRateLimit = "rate_limited"    // a joiner's address tried too often
	failSide      = "side_failed"     // a joined side reported failure (a wrong code)
	failWait      = "wait_timeout"    // a host waited out its time alone
	failMailbox   = "mailbox_error"   // the shared mailbox did not answer
)

// metrics are a server's Prometheus collectors.
type metrics struct {
	started   prometheus.Counter
	completed prometheus.Counter
	failed    *prometheus.CounterVec
	mailboxes prometheus.Gauge
	bytes     prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		started: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "warble_relay_pairings_started_total",
			Help: "Pairings whose host and joiner were joined, counted on the joiner's instance.",
		}),
		completed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "warble_relay_pairings_completed_total",
			Help: "Joined pairings that ended without a side reporting failure, counted on the host's instance.",
		}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warble_relay_pairings_failed_total",
			Help: "Pairing attempts refused or failed, by reason.",
		}, []string{"reason"}),
		mailboxes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "warble_relay_open_mailboxes",
			Help: "Sides on this instance holding a nameplate or reconnection channel, waiting or joined.",
		}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "warble_relay_forwarded_bytes_total",
			Help: "Bytes of data messages this instance forwarded from its clients.",
		}),
	}
	for _, r := range []string{failNoSuch, failRetired, failTaken, failHostLeft, failRateLimit, failSide, failWait, failMailbox} {
		m.failed.WithLabelValues(r) // present from the start, at 0
	}
	return m
}

// Register adds the server's metrics to r: pairings started, completed
// and failed by reason, open mailboxes, connections, bytes forwarded, and,
// for a mailbox on NATS, whether NATS is connected.
func (s *Server) Register(r prometheus.Registerer) error {
	cs := []prometheus.Collector{s.metrics.started, s.metrics.completed, s.metrics.failed, s.metrics.mailboxes, s.metrics.bytes,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "warble_relay_connections",
			Help: "Open client connections on this instance.",
		}, func() float64 { return float64(s.Conns()) }),
	}
	if n, ok := s.mailbox.(*NATSMailbox); ok {
		cs = append(cs, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "warble_relay_nats_connected",
			Help: "1 while the connection to NATS is up, 0 while it is down.",
		}, func() float64 {
			if n.Connected() {
				return 1
			}
			return 0
		}))
	}
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Ready reports why the server should not get new clients, or nil: it is
// shutting down, or its shared mailbox is out of reach.
func (s *Server) Ready() error {
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing {
		return ErrShutdown
	}
	if n, ok := s.mailbox.(*NATSMailbox); ok && !n.Connected() {
		return errors.New("relay: nats not connected")
	}
	return nil
}

// OpsHandler serves the operations endpoints: /metrics in the Prometheus
// text format from g, /healthz (200 while the process serves) and /readyz
// (200 while [Server.Ready] is nil, 503 otherwise).
func (s *Server) OpsHandler(g prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Ready(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	return mux
}
