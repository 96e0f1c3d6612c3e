package main

import (
	"context"
	"errors"
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

func cmdAccept(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("accept", stderr)
	var sf sessionFlags
	sf.add(fs, 0)
	only := fs.String("peer", "", "accept this peer only (default: any paired peer)")
	fs.Usage = func() { fmt.Fprintln(stderr, connectUsage); fs.PrintDefaults() }
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return usageErr("accept takes no arguments (got %q)", fs.Args())
	}
	if err := sf.check(); err != nil {
		return err
	}
	store, self, err := openState(sf.state)
	if err != nil {
		return err
	}
	peers, err := store.Peers()
	if err != nil {
		return stateErr(err)
	}
	if *only != "" {
		p, err := store.Peer(*only)
		if err != nil {
			return &exitError{code: 1, msg: strings.TrimPrefix(err.Error(), "pairing: "), hints: []string{"'warble peers' lists the paired peers"}}
		}
		peers = []pairing.Peer{p}
	}
	if len(peers) == 0 {
		return &exitError{code: 1, msg: "no paired peers to accept", hints: []string{"pair first: warble pair host"}}
	}
	ev := events{w: stderr, asJSON: sf.asJSON}
	ctx, stop := signalContext(24 * 365 * time.Hour)
	defer stop()
	fctx, cancel := findingContext(ctx, sf.timeout)
	defer cancel()

	// Wait on the LAN and at each relay a peer paired through, at once;
	// the first peer to prove itself wins.
	var lanPeers []pairing.Peer
	relayPeers := map[string][]pairing.Peer{}
	for _, p := range peers {
		if v := sf.viaFor(p); v == "lan" {
			lanPeers = append(lanPeers, p)
		} else {
			relayPeers[v] = append(relayPeers[v], p)
		}
	}
	type won struct {
		stream    io.ReadWriteCloser
		peer      pairing.Peer
		transport string
	}
	wins := make(chan won, 1)
	errs := make(chan error, len(peers)+1)
	var wg sync.WaitGroup
	offer := func(w won) {
		select {
		case wins <- w:
			cancel()
		default:
			w.stream.Close()
		}
	}
	if len(lanPeers) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, p, err := lanAccept(fctx, sf, self, lanPeers)
			if err != nil {
				errs <- err
				return
			}
			offer(won{s, p, pairing.TransportLAN})
		}()
	}
	for url, ps := range relayPeers {
		for _, p := range ps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := relayAccept(fctx, url, self, p)
				if err != nil {
					errs <- err
					return
				}
				offer(won{s, p, pairing.TransportRelay})
			}()
		}
	}
	ev.emit("waiting", map[string]any{"self": self.Fingerprint(), "peers": len(peers)},
		fmt.Sprintf("warble: waiting for %d paired peer(s) to connect (Ctrl-C stops)", len(peers)))
	go func() { wg.Wait(); close(errs) }()
	connected := func(w won) error {
		ev.emit("connected", map[string]any{"self": self.Fingerprint(), "peer": w.peer.Fingerprint, "peer_name": w.peer.Name, "transport": w.transport},
			fmt.Sprintf("warble: %q (%s) connected over the %s", w.peer.Name, w.peer.Fingerprint, w.transport))
		return session(ctx, ev, w.stream, stdin, stdout)
	}
	var firstErr error
	for {
		select {
		case w := <-wins:
			return connected(w)
		case err, ok := <-errs:
			if ok {
				if firstErr == nil || fctx.Err() == nil && !errors.Is(err, context.Canceled) {
					firstErr = err
				}
				continue
			}
			// Every waiter is done; one may have won just before.
			select {
			case w := <-wins:
				return connected(w)
			default:
			}
			if firstErr == nil {
				firstErr = errors.New("nobody connected")
			}
			return sessionFailed(fctx, ev, firstErr)
		}
	}
}

// relayAccept waits for peer at the relay on the channel both derive and
// runs the authenticated key exchange as the responder. Anyone who knows
// the channel's name can reach this side, so a failed exchange does not
// end the wait: accept claims the channel again, as it does when the
// relay's wait runs out and when the name changes with the rendezvous
// period.
func relayAccept(ctx context.Context, url string, self *pairing.Identity, peer pairing.Peer) (io.ReadWriteCloser, error) {
	for ctx.Err() == nil {
		now := time.Now()
		pctx, pcancel := context.WithDeadline(ctx, pairing.RendezvousEnds(now))
		s, err := relayAcceptOnce(pctx, url, pairing.RendezvousName(self.Fingerprint(), peer.Fingerprint, now), self, peer)
		pcancel()
		if err == nil || ctx.Err() != nil {
			return s, err
		}
		if !errors.Is(err, errTryAgain) && !errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
	}
	return nil, context.Cause(ctx)
}

// errTryAgain is an attempt at the rendezvous that failed in a way that
// does not end the wait.
var errTryAgain = errors.New("try again")

// relayAcceptOnce waits on one rendezvous name until ctx ends.
func relayAcceptOnce(ctx context.Context, url, name string, self *pairing.Identity, peer pairing.Peer) (io.ReadWriteCloser, error) {
	for ctx.Err() == nil {
		c, err := relay.Dial(ctx, url, name, relay.RoleAccept)
		if err != nil {
			// The channel may still be held by the failed caller's pair
			// for a moment; anything else ends the wait.
			if errors.Is(err, relay.ErrTaken) {
				if !sleepCtx(ctx, time.Second) {
					break
				}
				continue
			}
			return nil, err
		}
		if err := c.Wait(ctx); err != nil {
			c.Close()
			if errors.Is(err, relay.ErrTimeout) || errors.Is(err, relay.ErrPeerLeft) {
				continue
			}
			return nil, err
		}
		hctx, cancel := context.WithTimeout(ctx, acceptHandshakeTimeout)
		r, err := pairing.Reconnect(hctx, c, self, false, pinnedTo(peer))
		cancel()
		if err != nil {
			c.Close()
			continue
		}
		return r.Secure(c)
	}
	return nil, fmt.Errorf("%w: %w", errTryAgain, context.Cause(ctx))
}

// sleepCtx waits d, or until ctx ends; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Limits of accept on the LAN: handshakes at once, and how long one may
// take.
const (
	acceptHandshakes       = 8
	acceptHandshakeTimeout = 10 * time.Second
)

// lanAccept advertises this device's fingerprint on the LAN and waits for
// one of peers to connect with TLS 1.3 pinned both ways. Handshakes run
// concurrently, acceptHandshakes at most (more connections are dropped at
// once), each bounded by acceptHandshakeTimeout, so a client that stalls
// holds up nobody; one that fails the pin is dropped and the wait goes on.
func lanAccept(ctx context.Context, sf sessionFlags, self *pairing.Identity, peers []pairing.Peer) (io.ReadWriteCloser, pairing.Peer, error) {
	ifaces, err := lan.Interfaces(sf.iface)
	if err != nil {
		return nil, pairing.Peer{}, usageErr("%v", err)
	}
	ln, err := lan.Listen()
	if err != nil {
		return nil, pairing.Peer{}, err
	}
	defer ln.Close()
	ad, err := lan.Advertise(lan.Advert{Port: lan.Port(ln), Fingerprint: self.Fingerprint()}, ifaces)
	if err != nil {
		return nil, pairing.Peer{}, err
	}
	defer ad.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { <-ctx.Done(); ln.Close() }()
	var fps []string
	for _, p := range peers {
		fps = append(fps, p.Fingerprint)
	}
	type won struct {
		s io.ReadWriteCloser
		p pairing.Peer
	}
	found := make(chan won, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, acceptHandshakes)
	handshake := func(conn net.Conn) {
		defer wg.Done()
		defer func() { <-sem }()
		hctx, hcancel := context.WithTimeout(ctx, acceptHandshakeTimeout)
		tc, key, err := lan.Server(hctx, conn, self, lan.PinFingerprint(fps...))
		hcancel()
		if err != nil {
			conn.Close()
			return
		}
		for _, p := range peers {
			if p.PublicKey.Equal(key) {
				select {
				case found <- won{tc, p}:
					cancel()
				default:
					tc.Close()
				}
				return
			}
		}
		tc.Close()
	}
	for {
		conn, err := ln.Accept()
		if err != nil {
			select {
			case w := <-found:
				return w.s, w.p, nil
			default:
			}
			if ctx.Err() != nil {
				return nil, pairing.Peer{}, context.Cause(ctx)
			}
			return nil, pairing.Peer{}, err
		}
		select {
		case sem <- struct{}{}:
			wg.Add(1)
			go handshake(conn)
		default:
			conn.Close()
		}
	}
}
