package relay

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Conn is a client's end of a rendezvous: once the other side has joined,
// the bytes written to one Conn are read from the other. It implements
// [net.Conn]; a deadline that passes closes the connection, as in
// [websocket.NetConn].
//
// Read and Write wait for the other side to join. Reads may run alongside
// writes, and Close or Fail alongside both; concurrent Reads or concurrent
// Writes are not allowed.
type Conn struct {
	ws      *websocket.Conn
	url     string
	role    Role
	welcome welcome

	joinMu  sync.Mutex // held while reading until the joined message
	joined  atomic.Bool
	joinErr error // sticky, under joinMu

	readMu  sync.Mutex
	pending []byte // data received but not yet read
	readErr error  // sticky, under readMu

	deadlineMu    sync.Mutex
	readDeadline  time.Time
	writeDeadline time.Time
	readTimer     *time.Timer // closes the connection at readDeadline
	writeTimer    *time.Timer // and at writeDeadline

	keepalive *time.Timer
	closeOnce sync.Once
	closed    atomic.Bool
}

// Dial claims nameplate at the relay at url (ws:// or wss://) as role. It
// returns once the relay has accepted the claim, before the other side
// joins: call [Conn.Wait] to wait for it, or just Read or Write. A
// nameplate already taken gives [ErrTaken]; a retired one [ErrRetired]; a
// relay with too many connections from this address [ErrBusy].
func Dial(ctx context.Context, url, nameplate string, role Role) (*Conn, error) {
	if !role.valid() {
		return nil, fmt.Errorf("relay: unknown role %d", byte(role))
	}
	if _, err := checkNameplate(nameplate); err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		Subprotocols:    []string{Subprotocol},
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
			return nil, fmt.Errorf("%w (%s)", ErrBusy, resp.Status)
		}
		return nil, fmt.Errorf("relay: dial %s: %w", url, err)
	}
	if ws.Subprotocol() != Subprotocol {
		ws.Close(websocket.StatusPolicyViolation, "want subprotocol "+Subprotocol)
		return nil, fmt.Errorf("relay: %s does not speak %s", url, Subprotocol)
	}
	c := &Conn{ws: ws, url: url, role: role}
	if err := ws.Write(ctx, websocket.MessageBinary, hello{role: role, nameplate: nameplate}.marshal()); err != nil {
		ws.CloseNow()
		return nil, closeError(err)
	}
	_, b, err := ws.Read(ctx)
	if err != nil {
		ws.CloseNow()
		return nil, closeError(err)
	}
	w, err := parseWelcome(b)
	if err != nil {
		ws.Close(codeBadMessage, "bad welcome")
		return nil, err
	}
	c.welcome = w
	ws.SetReadLimit(int64(w.maxMessage))
	c.readTimer = time.AfterFunc(time.Hour, func() { c.expire(true) })
	c.readTimer.Stop()
	c.writeTimer = time.AfterFunc(time.Hour, func() { c.expire(false) })
	c.writeTimer.Stop()
	c.keepalive = time.AfterFunc(w.idle/3, c.sendKeepalive)
	return c, nil
}

// sendKeepalive tells the relay this side is alive, and schedules the next.
func (c *Conn) sendKeepalive() {
	if c.closed.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.welcome.idle/3)
	defer cancel()
	if c.ws.Write(ctx, websocket.MessageBinary, []byte{msgKeepalive}) == nil {
		c.keepalive.Reset(c.welcome.idle / 3)
	}
}

// Wait blocks until the other side has joined, or ctx ends (which closes
// the connection).
func (c *Conn) Wait(ctx context.Context) error {
	return c.awaitJoined(ctx)
}

// awaitJoined reads until the joined message. Whichever of Read, Write and
// Wait comes first does the reading; the others wait for it on joinMu.
// Messages before the join are never read under readMu, and messages after
// it never under joinMu, so the two never read at once.
func (c *Conn) awaitJoined(ctx context.Context) error {
	if c.joined.Load() {
		return nil
	}
	c.joinMu.Lock()
	defer c.joinMu.Unlock()
	for !c.joined.Load() {
		if c.joinErr != nil {
			return c.joinErr
		}
		if err := c.readMessage(ctx); err != nil {
			c.joinErr = err
			return err
		}
	}
	return nil
}

// readMessage reads one message from the relay and acts on it. The caller
// holds readMu or, before the join, joinMu.
func (c *Conn) readMessage(ctx context.Context) error {
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		// A failed read leaves the connection unusable; make writes
		// fail too.
		c.ws.CloseNow()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if c.expired(true) || c.expired(false) {
			return os.ErrDeadlineExceeded
		}
		if c.closed.Load() {
			return net.ErrClosed
		}
		return closeError(err)
	}
	typ, data, err := parseRelayMessage(b)
	if err != nil {
		c.ws.Close(codeBadMessage, "bad message")
		return err
	}
	// The relay may forward the other side's first data before its joined
	// message reaches us; data means the other side is there.
	c.joined.Store(true)
	if typ == msgData {
		c.pending = data
	}
	return nil
}

// Read reads bytes the other side wrote.
func (c *Conn) Read(p []byte) (int, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	ctx := context.Background()
	if err := c.awaitJoined(ctx); err != nil {
		return 0, err
	}
	for len(c.pending) == 0 {
		if c.readErr != nil {
			return 0, c.readErr
		}
		if len(p) == 0 {
			return 0, nil
		}
		if err := c.readMessage(ctx); err != nil {
			c.readErr = err
			return 0, err
		}
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// Write sends p to the other side, in as many messages as the relay's
// message limit needs.
func (c *Conn) Write(p []byte) (int, error) {
	if err := c.awaitJoined(context.Background()); err != nil {
		return 0, err
	}
	chunk := c.welcome.maxMessage - 1
	buf := make([]byte, 0, 1+min(chunk, len(p)))
	n := 0
	for n < len(p) {
		m := min(chunk, len(p)-n)
		buf = append(append(buf[:0], msgData), p[n:n+m]...)
		if err := c.ws.Write(context.Background(), websocket.MessageBinary, buf); err != nil {
			if c.expired(false) {
				return n, os.ErrDeadlineExceeded
			}
			if c.closed.Load() {
				return n, net.ErrClosed
			}
			return n, closeError(err)
		}
		n += m
	}
	return n, nil
}

// Fail tells the relay and the other side that this side gives up, with a
// reason the other side sees, and closes the connection. For a pairing the
// relay retires the nameplate.
func (c *Conn) Fail(reason string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.ws.Write(ctx, websocket.MessageBinary, failMessage(reason))
	c.Close()
	if err != nil {
		return closeError(err)
	}
	return nil
}

// Close hangs up. The relay tells the other side it left.
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		c.keepalive.Stop()
		c.readTimer.Stop()
		c.writeTimer.Stop()
		err = c.ws.Close(websocket.StatusNormalClosure, "")
		if err != nil {
			c.ws.CloseNow()
		}
	})
	return nil
}

// expire closes the connection if the read or write deadline has passed.
func (c *Conn) expire(read bool) {
	if c.expired(read) {
		c.ws.CloseNow()
	}
}

// expired reports whether the read or write deadline has passed.
func (c *Conn) expired(read bool) bool {
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	d := c.writeDeadline
	if read {
		d = c.readDeadline
	}
	return !d.IsZero() && !time.Now().Before(d)
}

// SetDeadline implements [net.Conn]. When a deadline passes, blocked and
// later calls fail with [os.ErrDeadlineExceeded] and the connection is
// closed.
func (c *Conn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

// SetReadDeadline implements [net.Conn].
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	c.readDeadline = t
	setTimer(c.readTimer, t)
	return nil
}

// SetWriteDeadline implements [net.Conn].
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	c.writeDeadline = t
	setTimer(c.writeTimer, t)
	return nil
}

func setTimer(tm *time.Timer, t time.Time) {
	if t.IsZero() {
		tm.Stop()
	} else {
		tm.Reset(time.Until(t))
	}
}

// Addr is the relay's address as a [net.Addr].
type Addr string

func (a Addr) Network() string { return "warble-relay" }
func (a Addr) String() string  { return string(a) }

// LocalAddr implements [net.Conn]: the role this side plays.
func (c *Conn) LocalAddr() net.Addr { return Addr(c.role.String()) }

// RemoteAddr implements [net.Conn]: the relay's URL.
func (c *Conn) RemoteAddr() net.Addr { return Addr(c.url) }

// Joined reports whether the other side has joined.
func (c *Conn) Joined() bool { return c.joined.Load() }

var _ net.Conn = (*Conn)(nil)
