package relay

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// limiter is a token bucket per client address: each address may spend
// burst tokens at once, and gets them back at rate per second. It is not
// safe for concurrent use; the server holds its lock.
type limiter struct {
	rate    float64 // tokens per second
	burst   float64
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the addresses a limiter tracks; past it, buckets that
// have refilled are forgotten (a forgotten address starts full again,
// which is what it would have anyway).
const maxBuckets = 100000

func newLimiter(n int, per time.Duration) *limiter {
	return &limiter{rate: float64(n) / per.Seconds(), burst: float64(n), buckets: map[string]*bucket{}}
}

// level is key's token count at now.
func (l *limiter) level(key string, now time.Time) float64 {
	b := l.buckets[key]
	if b == nil {
		return l.burst
	}
	return min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
}

// allow reports whether key has a token left at now, without spending it.
func (l *limiter) allow(key string, now time.Time) bool { return l.level(key, now) >= 1 }

// spend takes one token from key (down to zero) and reports whether there
// was one.
func (l *limiter) spend(key string, now time.Time) bool {
	t := l.level(key, now)
	ok := t >= 1
	if ok {
		t--
	} else {
		t = 0
	}
	if l.buckets[key] == nil && len(l.buckets) >= maxBuckets {
		l.prune(now)
	}
	l.buckets[key] = &bucket{tokens: t, last: now}
	return ok
}

func (l *limiter) prune(now time.Time) {
	for k := range l.buckets {
		if l.level(k, now) >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// clientKey is the address that per-client limits count: an IPv4 address,
// or the /64 an IPv6 address is in (one subscriber's usual allocation, so
// that the addresses of one block count as one client).
func clientKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, err := ip.WithZone("").Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}

// clientAddr is the client's address for r: its peer address, or, when the
// peer is one of trusted (a reverse proxy in front of the relay), the
// address the proxies recorded in X-Forwarded-For: the rightmost entry not
// itself a trusted proxy. Entries to the left of that are the client's own
// claims and are ignored.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if host == "" {
		return "unknown"
	}
	if len(trusted) == 0 || !isTrusted(host, trusted) {
		return host
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(hops[i])
		if err != nil {
			// A hop a trusted proxy would not write: stop at the proxy.
			return host
		}
		if !isTrusted(hops[i], trusted) {
			return ip.Unmap().String()
		}
		host = hops[i]
	}
	return host
}

func isTrusted(addr string, trusted []netip.Prefix) bool {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap().WithZone("")
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
