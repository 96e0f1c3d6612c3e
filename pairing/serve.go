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

// Serve runs handle on the first connection ln accepts, and refuses every
// other connection (an abort saying the host is busy) until handle
// returns; then it closes ln and returns handle's outcome and connection.
// One attempt per code: whatever handle returns, the listener is done, so
// a second joiner racing the first never gets a turn and a failed attempt
// retires the code. On failure the connection is closed and nil.
func Serve(ctx context.Context, ln net.Listener, handle func(context.Context, net.Conn) (*Result, error)) (*Result, net.Conn, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer ln.Close()
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	first := make(chan net.Conn, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		taken := false
		for {
			c, err := ln.Accept()
			if err != nil {
				if !taken {
					close(first)
				}
				return
			}
			if !taken {
				taken = true
				first <- c
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				writeFrame(c, msgAbort, marshalAbort(AbortBusy, ""))
				c.Close()
			}()
		}
	}()
	var conn net.Conn
	select {
	case c, ok := <-first:
		if !ok {
			return nil, nil, fmt.Errorf("pairing: no joiner: %w", context.Cause(ctx))
		}
		conn = c
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("pairing: no joiner: %w", context.Cause(ctx))
	}
	res, err := handle(ctx, conn)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return res, conn, nil
}
