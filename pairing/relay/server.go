package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Subprotocol is the WebSocket subprotocol the relay speaks.
const Subprotocol = "warble-relay.v1"

// Bounds on [Limits.MaxMessageBytes].
const (
	minMessageBytes = 256
	maxMessageBytes = 16 << 20
)

// Limits bound what a [Server] lets clients do. Start from [DefaultLimits];
// [NewServer] checks every field.
type Limits struct {
	MaxMessageBytes int           // largest message, type byte included
	IdleTimeout     time.Duration // a connection silent this long is closed
	WaitTimeout     time.Duration // how long a side may wait for its peer
	MaxConnsPerIP   int           // open connections from one client address
	MaxConns        int           // open connections in all
	RetireFor       time.Duration // how long a used pairing nameplate stays closed
	MaxRetired      int           // retired nameplates remembered at most (the oldest go first)
	JoinsPerMinute  int           // pairing joins from one client address, a minute on average
	FailuresPerHour int           // failed pairings a client address may join in an hour
	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// names the client; from anyone else the header is ignored.
	TrustedProxies []netip.Prefix
}

// DefaultLimits suit a public relay for pairing a few devices at a time.
var DefaultLimits = Limits{
	MaxMessageBytes: 64 << 10,
	IdleTimeout:     60 * time.Second,
	WaitTimeout:     10 * time.Minute,
	MaxConnsPerIP:   32,
	MaxConns:        10000,
	RetireFor:       10 * time.Minute,
	MaxRetired:      DefaultMaxRetired,
	JoinsPerMinute:  30,
	FailuresPerHour: 10,
}

func (l Limits) check() error {
	switch {
	case l.MaxMessageBytes < minMessageBytes || l.MaxMessageBytes > maxMessageBytes:
		return fmt.Errorf("relay: message limit %d bytes outside [%d, %d]", l.MaxMessageBytes, minMessageBytes, maxMessageBytes)
	case l.IdleTimeout < time.Second:
		return fmt.Errorf("relay: idle timeout %v below 1s", l.IdleTimeout)
	case l.IdleTimeout > 24*time.Hour:
		return fmt.Errorf("relay: idle timeout %v above 24h", l.IdleTimeout)
	case l.WaitTimeout < time.Second:
		return fmt.Errorf("relay: wait timeout %v below 1s", l.WaitTimeout)
	case l.MaxConnsPerIP < 1:
		return fmt.Errorf("relay: connections per address %d below 1", l.MaxConnsPerIP)
	case l.MaxConns < 2:
		return fmt.Errorf("relay: connection limit %d below 2", l.MaxConns)
	case l.RetireFor <= 0:
		return fmt.Errorf("relay: retirement period %v not positive", l.RetireFor)
	case l.MaxRetired < 1:
		return fmt.Errorf("relay: retired nameplate limit %d below 1", l.MaxRetired)
	case l.JoinsPerMinute < 1:
		return fmt.Errorf("relay: joins per minute %d below 1", l.JoinsPerMinute)
	case l.FailuresPerHour < 1:
		return fmt.Errorf("relay: failed pairings per hour %d below 1", l.FailuresPerHour)
	}
	for _, p := range l.TrustedProxies {
		if !p.IsValid() {
			return fmt.Errorf("relay: trusted proxy %v is not an address prefix", p)
		}
	}
	return nil
}

// Server is the relay, an [http.Handler] that serves WebSocket upgrades on
// any path. It is safe for concurrent use.
type Server struct {
	limits  Limits
	mailbox Mailbox
	log     *slog.Logger
	metrics *metrics
	ctx     context.Context // cancelled by Shutdown
	stop    context.CancelFunc

	mu       sync.Mutex
	closing  bool
	sides    map[*side]struct{}
	perIP    map[string]int
	pending  int // admitted, not yet in sides
	handlers sync.WaitGroup
	nextID   uint64
	now      func() time.Time
	joins    *limiter // joins per client address
	failures *limiter // failed pairings per client address
}

// NewServer returns a relay with the given limits. A nil mailbox means a
// [MemoryMailbox] retiring nameplates for limits.RetireFor; a nil logger
// discards the log.
func NewServer(limits Limits, mailbox Mailbox, log *slog.Logger) (*Server, error) {
	if err := limits.check(); err != nil {
		return nil, err
	}
	if mailbox == nil {
		m, err := NewMemoryMailboxMax(limits.RetireFor, limits.MaxRetired)
		if err != nil {
			return nil, err
		}
		mailbox = m
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Server{
		limits: limits, mailbox: mailbox, log: log, metrics: newMetrics(), ctx: ctx, stop: stop,
		sides: map[*side]struct{}{}, perIP: map[string]int{}, now: time.Now,
		joins:    newLimiter(limits.JoinsPerMinute, time.Minute),
		failures: newLimiter(limits.FailuresPerHour, time.Hour),
	}, nil
}

// setClock replaces the clock the rate limits run on, for tests.
func (s *Server) setClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// mayJoin spends one of key's joins, and reports whether it had one left
// and has not failed too many pairings lately.
func (s *Server) mayJoin(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if !s.failures.allow(key, now) {
		return false
	}
	return s.joins.spend(key, now)
}

// failed counts a failed pairing against the joiner's address key.
func (s *Server) failed(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures.spend(key, s.now())
}

// Conns reports how many client connections are open.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sides)
}

// Drain is the gentle start of a shutdown: the server takes no new
// clients, closes the sides still waiting for a peer with a going-away
// status (their clients can retry on another instance), and waits until
// every joined pair has ended, or ctx is done. Call [Server.Shutdown]
// after it to close what is left.
func (s *Server) Drain(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	var waiting []*side
	for sd := range s.sides {
		if sd.getPeer() == nil {
			waiting = append(waiting, sd)
		}
	}
	s.mu.Unlock()
	for _, sd := range waiting {
		go closeWith(sd.conn, websocket.StatusGoingAway, "relay shutting down")
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for s.Conns() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// Shutdown closes every connection with a going-away status and waits
// for their handlers to end, or for ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	sides := make([]*side, 0, len(s.sides))
	for sd := range s.sides {
		sides = append(sides, sd)
	}
	s.mu.Unlock()
	for _, sd := range sides {
		go sd.conn.Close(websocket.StatusGoingAway, "relay shutting down")
	}
	done := make(chan struct{})
	go func() { s.handlers.Wait(); close(done) }()
	defer s.stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.stop()
		for _, sd := range sides {
			sd.conn.CloseNow()
		}
		return ctx.Err()
	}
}

// side is one client connection.
type side struct {
	srv  *Server
	conn *websocket.Conn
	id   uint64
	ip   string // the client's address, for the log
	who  string // the client's key for per-address limits: see clientKey
	role Role
	key  string // the mailbox key: pairing and reconnection kept apart

	// welcomed is closed once the welcome went out (or failed to), so a
	// peer arriving at once does not send the joined message first.
	welcomed chan struct{}

	mu         sync.Mutex
	peer       peerLink
	closed     bool
	peerFailed bool // the peer reported failure
}

// A peerLink is a side's way to its joined peer: the peer's connection when
// both are on this instance, a NATS inbox when not.
type peerLink interface {
	// send passes a data message on to the peer's client.
	send(b []byte) error
	// end closes the peer because this side failed (with a reason) or left.
	end(failed bool, reason string)
}

func (sd *side) send(b []byte) error { return sd.write(b) }

func (sd *side) end(failed bool, reason string) {
	if failed {
		sd.setPeerFailed()
		go closeWith(sd.conn, codePeerFailed, reason)
		return
	}
	// The close handshake waits for the peer's client; the caller does not.
	go closeWith(sd.conn, codePeerLeft, sd.role.Other().String()+" left")
}

func (sd *side) setPeerFailed() {
	sd.mu.Lock()
	sd.peerFailed = true
	sd.mu.Unlock()
}

// remoteJoined implements localSide: a joiner came through another instance.
func (sd *side) remoteJoined(p *remotePeer) bool {
	if !sd.link(p) {
		return false
	}
	sd.srv.log.Info("joined", "conn", sd.id, "peer", "remote")
	// Written before the peer hears it joined, so before any of its data.
	<-sd.welcomed
	sd.write([]byte{msgJoined})
	return true
}

// remoteMessage implements localSide.
func (sd *side) remoteMessage(b []byte) { sd.write(b) }

// remoteEnded implements localSide.
func (sd *side) remoteEnded(failed bool, reason string) {
	if failed {
		sd.setPeerFailed()
		if sd.role == RoleJoin {
			sd.srv.failed(sd.who)
		}
		go closeWith(sd.conn, codePeerFailed, reason)
		return
	}
	go closeWith(sd.conn, codePeerLeft, sd.role.Other().String()+" left")
}

// Role implements [Side].
func (sd *side) Role() Role { return sd.role }

// link makes p the peer of sd, unless sd is already closing.
func (sd *side) link(p peerLink) bool {
	sd.mu.Lock()
	defer sd.mu.Unlock()
	if sd.closed {
		return false
	}
	sd.peer = p
	return true
}

func (sd *side) getPeer() peerLink {
	sd.mu.Lock()
	defer sd.mu.Unlock()
	return sd.peer
}

// admit counts a connection from ip, or says why it is refused.
func (s *Server) admit(ip string) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		return http.StatusServiceUnavailable, "relay shutting down"
	case len(s.sides)+s.pending >= s.limits.MaxConns:
		return http.StatusServiceUnavailable, "relay full"
	case s.perIP[ip] >= s.limits.MaxConnsPerIP:
		return http.StatusTooManyRequests, "too many connections from your address"
	}
	s.perIP[ip]++
	s.pending++
	s.handlers.Add(1)
	return 0, ""
}

func (s *Server) release(ip string, sd *side) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perIP[ip]--; s.perIP[ip] <= 0 {
		delete(s.perIP, ip)
	}
	if sd != nil {
		delete(s.sides, sd)
	} else {
		s.pending--
	}
	s.handlers.Done()
}

func (s *Server) track(sd *side) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.pending--
	s.nextID++
	sd.id = s.nextID
	s.sides[sd] = struct{}{}
	return true
}

// ServeHTTP upgrades the request to a WebSocket and serves the client until
// it or its peer leaves.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip := clientAddr(r, s.limits.TrustedProxies)
	who := clientKey(ip)
	if status, why := s.admit(who); status != 0 {
		s.log.Info("refused", "addr", ip, "why", why)
		http.Error(w, why, status)
		return
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:    []string{Subprotocol},
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		s.log.Info("upgrade failed", "addr", ip, "err", err)
		s.release(who, nil)
		return
	}
	sd := &side{srv: s, conn: conn, ip: ip, who: who, welcomed: make(chan struct{})}
	if !s.track(sd) {
		conn.Close(websocket.StatusGoingAway, "relay shutting down")
		s.release(who, nil)
		return
	}
	defer s.release(who, sd)
	if conn.Subprotocol() != Subprotocol {
		conn.Close(websocket.StatusPolicyViolation, "want subprotocol "+Subprotocol)
		return
	}
	conn.SetReadLimit(int64(s.limits.MaxMessageBytes))
	sd.serve()
}

// closeWith ends the connection with code and reason. The close handshake
// waits at most a few seconds for a client that does not answer.
func closeWith(c *websocket.Conn, code websocket.StatusCode, reason string) {
	c.Close(code, clip(reason, 120))
}

// serve runs the connection: the hello, the wait for a peer, and the
// forwarding of the peer's messages, all in the goroutine serving the
// request. Timers close the connection when it is idle or waits too long.
func (sd *side) serve() {
	s := sd.srv
	idle := time.AfterFunc(s.limits.IdleTimeout, func() {
		closeWith(sd.conn, codeTimeout, "idle too long")
	})
	defer idle.Stop()

	_, b, err := sd.conn.Read(s.ctx)
	if err != nil {
		s.log.Debug("no hello", "conn", sd.id, "err", err)
		return
	}
	h, err := parseHello(b)
	if err != nil {
		s.log.Info("bad hello", "conn", sd.id, "addr", sd.ip, "err", err)
		closeWith(sd.conn, codeBadMessage, err.Error())
		return
	}
	idle.Reset(s.limits.IdleTimeout)
	sd.role = h.role
	sd.key = "p/" + h.nameplate
	if !h.role.Pairing() {
		sd.key = "r/" + h.nameplate
	}
	log := s.log.With("conn", sd.id, "role", h.role.String(), "nameplate", h.nameplate)

	if h.role == RoleJoin && !s.mayJoin(sd.who) {
		log.Info("refused: join rate", "addr", sd.ip)
		s.metrics.failed.WithLabelValues(failRateLimit).Inc()
		closeWith(sd.conn, codeRateLimit, "too many attempts")
		return
	}
	found, err := s.mailbox.Put(sd.key, sd)
	if err != nil {
		// Refused: a peer that finds this side anyway is turned away.
		sd.mu.Lock()
		sd.closed = true
		sd.mu.Unlock()
		close(sd.welcomed)
		if h.role.Pairing() {
			s.metrics.failed.WithLabelValues(failReason(err)).Inc()
		}
	}
	switch {
	case errors.Is(err, ErrNoSuchPairing):
		log.Info("refused: no such pairing", "addr", sd.ip)
		closeWith(sd.conn, codeNoSuch, "no such pairing")
		return
	case errors.Is(err, ErrRetired):
		log.Info("refused: nameplate retired")
		closeWith(sd.conn, codeRetired, "nameplate retired")
		return
	case errors.Is(err, ErrHostLeft):
		log.Info("refused: host left")
		closeWith(sd.conn, codePeerLeft, "host left")
		return
	case errors.Is(err, ErrTaken):
		log.Info("refused: nameplate taken")
		closeWith(sd.conn, codeTaken, "nameplate taken")
		return
	case err != nil:
		log.Warn("mailbox", "err", err)
		closeWith(sd.conn, websocket.StatusInternalError, "mailbox unavailable")
		return
	}
	ended := false // whether this side reported the failure that ended it
	s.metrics.mailboxes.Inc()
	defer func() { sd.leave(log, ended) }()

	w := welcome{maxMessage: s.limits.MaxMessageBytes, idle: s.limits.IdleTimeout}
	err = sd.write(w.marshal())
	close(sd.welcomed)
	if err != nil {
		return
	}
	if found == nil {
		log.Info("waiting")
		wait := time.AfterFunc(s.limits.WaitTimeout, func() {
			if sd.getPeer() == nil {
				if sd.role.Pairing() {
					s.metrics.failed.WithLabelValues(failWait).Inc()
				}
				closeWith(sd.conn, codeTimeout, "no peer came")
			}
		})
		defer wait.Stop()
	} else {
		joined := []byte{msgJoined}
		switch p := found.(type) {
		case *side:
			if !p.link(sd) || !sd.link(p) {
				log.Info("peer left before joining")
				closeWith(sd.conn, codePeerLeft, p.role.String()+" left")
				return
			}
			log.Info("joined", "peer", p.id)
			<-p.welcomed
			p.write(joined)
		case *remotePeer:
			if !sd.link(p) {
				return
			}
			log.Info("joined", "peer", "remote")
		default:
			log.Warn("mailbox returned an unknown side", "type", fmt.Sprintf("%T", found))
			closeWith(sd.conn, websocket.StatusInternalError, "mailbox unavailable")
			return
		}
		if sd.role.Pairing() {
			s.metrics.started.Inc()
		}
		if sd.write(joined) != nil {
			return
		}
	}

	for {
		_, b, err := sd.conn.Read(s.ctx)
		if err != nil {
			log.Debug("read", "err", err)
			return
		}
		idle.Reset(s.limits.IdleTimeout)
		typ, err := parseClientMessage(b)
		if err != nil {
			log.Info("bad message", "err", err)
			closeWith(sd.conn, codeBadMessage, err.Error())
			return
		}
		switch typ {
		case msgData:
			p := sd.getPeer()
			if p == nil {
				closeWith(sd.conn, codeBadMessage, "data before the peer joined")
				return
			}
			if err := p.send(b); err != nil {
				return
			}
			s.metrics.bytes.Add(float64(len(b) - 1))
		case msgFail:
			reason, _ := parseFail(b)
			log.Info("side failed", "reason", reason)
			ended = true
			if sd.role.Pairing() {
				s.metrics.failed.WithLabelValues(failSide).Inc()
			}
			p := sd.getPeer()
			// A failed pairing counts against the joiner, the side
			// that could be guessing.
			// A joiner on another instance is counted there.
			switch local, _ := p.(*side); {
			case sd.role == RoleJoin:
				s.failed(sd.who)
			case sd.role == RoleHost && local != nil:
				s.failed(local.who)
			}
			// Retired before the peer hears of it, so the nameplate
			// is closed on every instance by the time either side
			// can retry. (leave's Leave then finds nothing to do.)
			s.mailbox.Leave(sd.key, sd, sd.role.Pairing())
			if p != nil {
				p.end(true, reason)
			}
			closeWith(sd.conn, websocket.StatusNormalClosure, "")
			return
		}
	}
}

// write sends one message to the side, bounded by the idle timeout.
func (sd *side) write(b []byte) error {
	ctx, cancel := context.WithTimeout(sd.srv.ctx, sd.srv.limits.IdleTimeout)
	defer cancel()
	return sd.conn.Write(ctx, websocket.MessageBinary, b)
}

// leave ends the side: the mailbox forgets it, retiring a used pairing
// nameplate, and a joined peer is told.
func (sd *side) leave(log *slog.Logger, failed bool) {
	sd.mu.Lock()
	sd.closed = true
	p, peerFailed := sd.peer, sd.peerFailed
	sd.mu.Unlock()
	sd.srv.mailbox.Leave(sd.key, sd, sd.role.Pairing())
	sd.srv.metrics.mailboxes.Dec()
	if sd.role == RoleHost && p != nil && !failed && !peerFailed {
		sd.srv.metrics.completed.Inc()
	}
	if p != nil && !failed {
		p.end(false, "")
	}
	sd.conn.CloseNow()
	log.Info("closed")
}

// failReason is the metrics label of a refused claim.
func failReason(err error) string {
	switch {
	case errors.Is(err, ErrNoSuchPairing):
		return failNoSuch
	case errors.Is(err, ErrRetired):
		return failRetired
	case errors.Is(err, ErrTaken):
		return failTaken
	case errors.Is(err, ErrHostLeft):
		return failHostLeft
	}
	return failMailbox
}
