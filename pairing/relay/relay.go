// Package relay is warble's rendezvous over WebSocket: a server that joins
// two clients who name the same nameplate and forwards opaque bytes between
// them, and the client that dials it. The relay never sees a key: pairing
// runs CPace end to end over the joined stream, and the stream the two sides
// keep afterwards is encrypted by them.
//
// # Protocol
//
// A client opens a WebSocket and sends binary messages, each one type byte
// and a body:
//
//	H version(1) role(1) nameplate   client → relay, first and once
//	W maxMessage(4) idleMillis(4)    relay → client: claim accepted
//	J                                relay → client: the other side joined
//	D bytes                          both ways, forwarded unchanged
//	F reason                         client → relay: this side failed
//	K                                client → relay: keepalive, absorbed
//
// The relay ends a connection with a WebSocket close code that says why:
// see [ErrTaken], [ErrRetired], [ErrPeerLeft], [ErrPeerFailed],
// [ErrTimeout] and [ErrBadMessage].
//
// # Nameplates
//
// A nameplate holds at most one waiting side. Only a host opens a pairing
// nameplate: a joiner that names one no host waits on is refused at once
// with [ErrNoSuchPairing], and nothing is retired, so nobody can squat a
// nameplate before the host that will pick it. A joiner joins the waiting
// host, and from then on the nameplate is taken: a third client racing for
// it is refused with [ErrTaken], as is a second side of the same role. A pairing nameplate ([RoleHost],
// [RoleJoin]) is used once: when a joined pair ends, for whatever reason —
// success, a side reporting failure (a wrong code), or a side vanishing
// mid-handshake — the nameplate is retired and refused with [ErrRetired]
// for [Limits.RetireFor]. So a guesser gets one online attempt per
// nameplate. A side that leaves before anyone joined frees the nameplate.
//
// Reconnection of sides that paired before uses [RoleAccept] and
// [RoleConnect] on a channel both sides derive from their fingerprints
// and the hour (pairing.RendezvousName), either side first; those
// channels are freed, not retired, when a session ends, because the sides
// prove their identities to each other over them and no code can be guessed.
//
// # Limits
//
// The server bounds message size, silence ([Limits.IdleTimeout], which
// clients keep alive with K messages), the time a side waits for its peer,
// and connections per client address and in total; see [Limits]. It also
// limits the rate of joins and of failed pairings per client address, so
// one address cannot probe the nameplate space or guess codes at speed
// ([ErrRateLimited]). A client address is an IPv4 address or an IPv6 /64,
// the block one subscriber usually holds; behind a reverse proxy, the
// address the proxy puts in X-Forwarded-For counts, for proxies named in
// [Limits.TrustedProxies] only. Each
// connection costs the server one goroutine, the one serving it.
//
// # Many instances
//
// A [Server] keeps its nameplates in a [Mailbox]: a [MemoryMailbox] by
// default, or a [NATSMailbox] that many instances share, so a host on one
// and a joiner on another pair and a retirement holds on all of them. The
// connection limits and rates stay per instance. [Server.Register] and
// [Server.OpsHandler] give the metrics, health and readiness an operator
// watches, and [Server.Drain] lets joined pairs finish before a shutdown.
package relay

import (
	"errors"
	"fmt"
	"io"

	"github.com/coder/websocket"
)

// Role is which side of a rendezvous a client is.
type Role byte

const (
	RoleHost    Role = 1 // pairing: the side that made the code
	RoleJoin    Role = 2 // pairing: the side that typed or heard it
	RoleAccept  Role = 3 // reconnection: the side that waits
	RoleConnect Role = 4 // reconnection: the side that calls
)

func (r Role) valid() bool { return RoleHost <= r && r <= RoleConnect }

// Pairing reports whether r belongs to a pairing, whose nameplate is used
// once, rather than to a reconnection.
func (r Role) Pairing() bool { return r == RoleHost || r == RoleJoin }

// Other is the role that r waits for.
func (r Role) Other() Role {
	switch r {
	case RoleHost:
		return RoleJoin
	case RoleJoin:
		return RoleHost
	case RoleAccept:
		return RoleConnect
	case RoleConnect:
		return RoleAccept
	}
	return 0
}

func (r Role) String() string {
	switch r {
	case RoleHost:
		return "host"
	case RoleJoin:
		return "join"
	case RoleAccept:
		return "accept"
	case RoleConnect:
		return "connect"
	}
	return fmt.Sprintf("role(%d)", byte(r))
}

// Errors a client sees, each carried by a WebSocket close code.
var (
	ErrBadMessage = errors.New("relay: protocol violation")
	ErrTaken      = errors.New("relay: nameplate is taken")
	ErrRetired    = errors.New("relay: nameplate was used and is retired")
	ErrPeerLeft   = errors.New("relay: the other side left")
	ErrPeerFailed = errors.New("relay: the other side failed")
	ErrTimeout    = errors.New("relay: timed out")
	ErrBusy       = errors.New("relay: too many connections")
	ErrShutdown   = errors.New("relay: server shutting down")
	ErrLost       = errors.New("relay: connection to the relay lost")
	// ErrNoSuchPairing is a joiner's claim on a nameplate no host has
	// opened. Nothing is retired: the code is mistyped, or the host has
	// not started (or has already gone).
	ErrNoSuchPairing = errors.New("relay: no such pairing (no host waits on that nameplate)")
	// ErrRateLimited is a join from an address that joined too often, or
	// failed too many pairings, lately.
	ErrRateLimited = errors.New("relay: too many pairing attempts from this address; wait and try again")
)

// Close codes, in the range RFC 6455 leaves to applications.
const (
	codeBadMessage websocket.StatusCode = 4000
	codeTaken      websocket.StatusCode = 4001
	codeRetired    websocket.StatusCode = 4002
	codePeerLeft   websocket.StatusCode = 4003
	codePeerFailed websocket.StatusCode = 4004
	codeTimeout    websocket.StatusCode = 4005
	codeBusy       websocket.StatusCode = 4006
	codeNoSuch     websocket.StatusCode = 4007
	codeRateLimit  websocket.StatusCode = 4008
)

var codeErrors = map[websocket.StatusCode]error{
	codeBadMessage:                ErrBadMessage,
	codeTaken:                     ErrTaken,
	codeRetired:                   ErrRetired,
	codePeerLeft:                  ErrPeerLeft,
	codePeerFailed:                ErrPeerFailed,
	codeTimeout:                   ErrTimeout,
	codeBusy:                      ErrBusy,
	codeNoSuch:                    ErrNoSuchPairing,
	codeRateLimit:                 ErrRateLimited,
	websocket.StatusGoingAway:     ErrShutdown,
	websocket.StatusMessageTooBig: ErrBadMessage,
}

// closeError turns the error of a WebSocket operation into one of the
// package's errors: the reason the relay gave when it hung up, or
// [ErrLost] when the connection broke without one.
func closeError(err error) error {
	var ce websocket.CloseError
	if !errors.As(err, &ce) {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return ErrLost
		}
		return fmt.Errorf("%w: %v", ErrLost, err)
	}
	e, ok := codeErrors[ce.Code]
	if !ok {
		return fmt.Errorf("%w: closed with status %d %s", ErrLost, int(ce.Code), clip(ce.Reason, maxReasonLen))
	}
	// The reasons of a failed side (its own words), of a side that left
	// (which side) and of a protocol violation say more than the code; the
	// others only repeat it.
	if ce.Reason != "" && (ce.Code == codePeerFailed || ce.Code == codePeerLeft || ce.Code == codeBadMessage || ce.Code == websocket.StatusMessageTooBig) {
		return fmt.Errorf("%w: %s", e, clip(ce.Reason, maxReasonLen))
	}
	return e
}
