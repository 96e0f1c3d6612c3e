package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"warble/pairing"
	"warble/pairing/lan"
	"warble/pairing/relay"
)

const connectUsage = `usage: warble connect [-state DIR] [-via lan|ws://HOST:PORT] [-timeout 30s] [-json] PEER
       warble accept  [-state DIR] [-via lan|ws://HOST:PORT] [-peer PEER] [-timeout 0] [-json]
Finds a device paired before (mDNS on the LAN, else the relay it paired
through), proves both identities (pinned TLS 1.3 on the LAN, an
authenticated key exchange through a relay) and joins this command's
stdin and stdout to the peer's over the encrypted stream. Status goes to
stderr (JSON lines with -json). PEER is a fingerprint, a unique prefix of
8 or more characters, or a name, as 'warble peers' lists them.`

// sessionFlags are the flags connect and accept share.
type sessionFlags struct {
	state, via, iface string
	timeout           time.Duration
	asJSON            bool
}

func (s *sessionFlags) add(fs *flag.FlagSet, timeout time.Duration) {
	fs.StringVar(&s.state, "state", "", "state directory (default: warble under the user's config directory)")
	fs.StringVar(&s.via, "via", "", "lan, or a relay's ws://HOST:PORT (default: how the peer was paired)")
	fs.StringVar(&s.iface, "iface", "", "on the LAN, the network interfaces to use, comma-separated (default: all)")
	fs.DurationVar(&s.timeout, "timeout", timeout, "give up finding the peer after this long (0: never)")
	fs.BoolVar(&s.asJSON, "json", false, "print status as JSON lines on stderr")
}

func (s *sessionFlags) check() error {
	if s.via != "" && s.via != "lan" && !strings.HasPrefix(s.via, "ws://") && !strings.HasPrefix(s.via, "wss://") {
		return usageErr("-via %q: want lan or a relay's ws://HOST:PORT", s.via)
	}
	if s.timeout < 0 {
		return usageErr("-timeout %v is negative", s.timeout)
	}
	return nil
}

// via is where to meet p: the flag, else how p was paired.
func (s *sessionFlags) viaFor(p pairing.Peer) string {
	if s.via != "" {
		return s.via
	}
	if p.Relay != "" {
		return p.Relay
	}
	return "lan"
}

// pinnedTo accepts exactly the keys of peers.
func pinnedTo(peers ...pairing.Peer) func(ed25519.PublicKey) bool {
	return func(k ed25519.PublicKey) bool {
		for _, p := range peers {
			if p.PublicKey.Equal(k) {
				return true
			}
		}
		return false
	}
}

// findingContext is ctx with the finding timeout (0: none).
func findingContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout == 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, timeout, fmt.Errorf("peer not found within %v", timeout))
}

func cmdConnect(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("connect", stderr)
	var sf sessionFlags
	sf.add(fs, 30*time.Second)
	fs.Usage = func() { fmt.Fprintln(stderr, connectUsage); fs.PrintDefaults() }
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageErr("connect takes exactly one PEER (got %d)", fs.NArg())
	}
	if err := sf.check(); err != nil {
		return err
	}
	store, self, err := openState(sf.state)
	if err != nil {
		return err
	}
	peer, err := store.Peer(fs.Arg(0))
	if errors.Is(err, pairing.ErrCorruptState) {
		return stateErr(err)
	}
	if err != nil {
		return &exitError{code: 1, msg: strings.TrimPrefix(err.Error(), "pairing: "), hints: []string{"'warble peers' lists the paired peers"}}
	}
	ev := events{w: stderr, asJSON: sf.asJSON}
	ctx, stop := signalContext(24 * 365 * time.Hour)
	defer stop()
	fctx, cancel := findingContext(ctx, sf.timeout)
	defer cancel()

	via := sf.viaFor(peer)
	var stream io.ReadWriteCloser
	transport := pairing.TransportRelay
	if via == "lan" {
		transport = pairing.TransportLAN
		stream, err = lanConnect(fctx, sf, self, peer)
	} else {
		stream, err = relayConnect(fctx, via, self, peer)
	}
	if err != nil {
		return sessionFailed(fctx, ev, err)
	}
	cancel()
	ev.emit("connected", map[string]any{"self": self.Fingerprint(), "peer": peer.Fingerprint, "peer_name": peer.Name, "transport": transport},
		fmt.Sprintf("warble: connected to %q (%s) over the %s", peer.Name, peer.Fingerprint, transport))
	return session(ctx, ev, stream, stdin, stdout)
}

// relayConnect meets peer at the relay on the channel both derive — this
// rendezvous period's name and its nearer neighbour's at once, so clocks a
// little apart still meet — and runs the authenticated key exchange as the
// initiator with whichever joins first.
func relayConnect(ctx context.Context, url string, self *pairing.Identity, peer pairing.Peer) (io.ReadWriteCloser, error) {
	names := pairing.RendezvousNames(self.Fingerprint(), peer.Fingerprint, time.Now())
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type dialed struct {
		c   *relay.Conn
		err error
	}
	got := make(chan dialed, len(names))
	for _, name := range names {
		go func() {
			c, err := relay.Dial(dctx, url, name, relay.RoleConnect)
			if err == nil {
				if err = c.Wait(dctx); err != nil {
					c.Close()
					c = nil
				}
			}
			got <- dialed{c, err}
		}()
	}
	var c *relay.Conn
	var firstErr error
	for range names {
		d := <-got
		switch {
		case d.err == nil && c == nil:
			c = d.c
			cancel() // the other name's wait ends
		case d.err == nil:
			d.c.Close()
		case firstErr == nil && !errors.Is(d.err, context.Canceled):
			firstErr = d.err
		}
	}
	if c == nil {
		if firstErr == nil {
			firstErr = context.Cause(ctx)
		}
		return nil, firstErr
	}
	r, err := pairing.Reconnect(ctx, c, self, true, pinnedTo(peer))
	if err != nil {
		c.Close()
		return nil, err
	}
	return r.Secure(c)
}

func sessionFailed(ctx context.Context, ev events, err error) error {
	msg := strings.TrimPrefix(err.Error(), "pairing: ")
	if ctx.Err() != nil {
		msg = fmt.Sprintf("%v (%v)", context.Cause(ctx), msg)
	}
	if ev.asJSON {
		ev.emit("failed", map[string]any{"reason": msg}, "")
	}
	return &exitError{code: 1, msg: msg}
}

// session joins stdin and stdout to stream until both directions have
// ended, or either fails, or ctx ends.
func session(ctx context.Context, ev events, stream io.ReadWriteCloser, stdin io.Reader, stdout io.Writer) error {
	var once sync.Once
	fail := make(chan error, 2)
	stopAll := func(err error) {
		once.Do(func() {
			fail <- err
			stream.Close()
		})
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if _, err := io.Copy(stream, stdin); err != nil {
			stopAll(err)
			return
		}
		if cw, ok := stream.(interface{ CloseWrite() error }); ok {
			if err := cw.CloseWrite(); err != nil {
				stopAll(err)
			}
		}
	}()
	received := make(chan error, 1)
	go func() {
		defer wg.Done()
		_, err := io.Copy(stdout, stream)
		received <- err
		if err != nil {
			stopAll(err)
		}
	}()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		stopAll(context.Cause(ctx))
		<-received
	}
	stream.Close()
	select {
	case err := <-fail:
		if err != nil && !errors.Is(err, net.ErrClosed) {
			return sessionFailed(ctx, ev, err)
		}
	default:
	}
	ev.emit("closed", nil, "warble: connection closed")
	return nil
}

// lanConnect finds peer on the LAN by its fingerprint and runs TLS 1.3
// pinned to its key.
func lanConnect(ctx context.Context, sf sessionFlags, self *pairing.Identity, peer pairing.Peer) (io.ReadWriteCloser, error) {
	ifaces, err := lan.Interfaces(sf.iface)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	conn, _, err := lan.Find(ctx, ifaces, lan.ForPeer(peer.Fingerprint))
	if err != nil {
		return nil, err
	}
	tc, _, err := lan.Client(ctx, conn, self, lan.PinKey(peer.PublicKey))
	if err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}
