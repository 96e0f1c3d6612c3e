package pairing

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
)

// ErrBusy is matched when a host refuses a joiner because it is already
// pairing with another.
var ErrBusy = errors.New("pairing: the host is busy with another joiner")

// ErrAttemptsUsed is matched by the error of [Serve] when every attempt it
// allowed failed: the code is retired, and the caller shows a new one.
var ErrAttemptsUsed = errors.New("pairing: every attempt this code allows failed; it is retired")

// Serve runs handle on the connections ln accepts, one at a time, until
// one completes (handle returns a Result), attempts have failed, or ctx
// ends. While handle runs, later connections wait their turn, as many as
// there are attempts; more are refused with an abort saying the host is
// busy, and so are those still waiting when Serve returns. Then it closes
// ln and returns the Result and its connection.
//
// A failed attempt does not end the wait: whoever connects first (someone
// on the network who saw the advert, or a joiner with a mistyped code)
// must not stop the real joiner from pairing. But each attempt is one
// guess at the code, so after attempts failures Serve gives up with an
// error matching [ErrAttemptsUsed] and the last failure: the caller
// retires the code and makes a new one. On failure every connection is
// closed and the returned one is nil.
func Serve(ctx context.Context, ln net.Listener, attempts int, handle func(context.Context, net.Conn) (*Result, error)) (*Result, net.Conn, error) {
	if attempts < 1 {
		return nil, nil, fmt.Errorf("pairing: %d attempts per code; want at least 1", attempts)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	busy := func(c net.Conn) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			writeFrame(c, msgAbort, marshalAbort(AbortBusy, ""))
			c.Close()
		}()
	}
	// Connections wait their turn in queue, as many as there are attempts
	// left at most; more are turned away as busy at once. When Serve
	// returns, those still waiting are turned away too.
	queue := make(chan net.Conn, attempts)
	done := make(chan struct{})
	defer func() {
		ln.Close()
		close(done)
		wg.Wait()
		for {
			select {
			case c := <-queue:
				busy(c)
			default:
				wg.Wait()
				return
			}
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			ln.Close()
		case <-done:
		}
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case queue <- c:
			default:
				busy(c)
			}
		}
	}()
	var last error
	for failed := 0; failed < attempts; failed++ {
		var conn net.Conn
		select {
		case conn = <-queue:
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("pairing: no joiner: %w", context.Cause(ctx))
		}
		res, err := handle(ctx, conn)
		if err == nil {
			return res, conn, nil
		}
		conn.Close()
		if ctx.Err() != nil {
			return nil, nil, err
		}
		last = err
	}
	return nil, nil, fmt.Errorf("%w: last attempt: %w", ErrAttemptsUsed, last)
}
