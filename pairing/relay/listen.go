package relay

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// HeaderTimeout is how long the relay's HTTP server waits for a request's
// headers.
const HeaderTimeout = 10 * time.Second

// HTTPServer returns an [http.Server] that serves s with the timeouts a
// public relay needs: a client must send its request headers within
// [HeaderTimeout], and a keep-alive connection that sends no further
// request (one that never upgrades to a WebSocket) is closed after the
// idle timeout of s's [Limits]. Serve it on a listener from
// [LimitListener] so connections that never get as far as a WebSocket are
// counted too.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: HeaderTimeout,
		IdleTimeout:       s.limits.IdleTimeout,
		MaxHeaderBytes:    8 << 10,
	}
}

// LimitListener returns a listener that holds at most n connections from
// ln open at once. A connection beyond that is closed as soon as it is
// accepted, so a flood of idle TCP connections costs the relay a file
// descriptor each only briefly and never a goroutine.
func LimitListener(ln net.Listener, n int) net.Listener {
	return &limitListener{Listener: ln, free: n}
}

type limitListener struct {
	net.Listener
	mu   sync.Mutex
	free int
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		ok := l.free > 0
		if ok {
			l.free--
		}
		l.mu.Unlock()
		if ok {
			return &limitConn{Conn: c, l: l}, nil
		}
		c.Close()
	}
}

type limitConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		c.l.free++
		c.l.mu.Unlock()
	})
	return err
}
