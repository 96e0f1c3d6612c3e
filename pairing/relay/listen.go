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

// LimitListener returns a listener that holds at most total connections
// from ln open at once, and at most perAddr from one client address (an
// IPv4 address or an IPv6 /64, as the relay's other limits count them; 0
// for no such limit, as behind a reverse proxy, where every connection
// comes from the proxy). A connection beyond either is closed as soon as it
// is accepted, so a flood of idle TCP connections costs the relay a file
// descriptor each only briefly and never a goroutine.
func LimitListener(ln net.Listener, total, perAddr int) net.Listener {
	return &limitListener{Listener: ln, free: total, perAddr: perAddr, open: map[string]int{}}
}

type limitListener struct {
	net.Listener
	perAddr int

	mu   sync.Mutex
	free int
	open map[string]int // per client address, when perAddr > 0
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		who := ""
		if l.perAddr > 0 {
			host, _, err := net.SplitHostPort(c.RemoteAddr().String())
			if err != nil {
				host = c.RemoteAddr().String()
			}
			who = clientKey(host)
		}
		l.mu.Lock()
		ok := l.free > 0 && (l.perAddr <= 0 || l.open[who] < l.perAddr)
		if ok {
			l.free--
			if l.perAddr > 0 {
				l.open[who]++
			}
		}
		l.mu.Unlock()
		if ok {
			return &limitConn{Conn: c, l: l, who: who}, nil
		}
		c.Close()
	}
}

type limitConn struct {
	net.Conn
	l    *limitListener
	who  string
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		defer c.l.mu.Unlock()
		c.l.free++
		if c.l.perAddr > 0 {
			if c.l.open[c.who]--; c.l.open[c.who] <= 0 {
				delete(c.l.open, c.who)
			}
		}
	})
	return err
}
