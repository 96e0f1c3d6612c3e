package pairing

import (
	"context"
	"net"
	"testing"
)

// BenchmarkCodeEntryToPaired measures, on loopback TCP, the time from the
// joiner having the code to both sides holding a Result: dial, CPace, key
// confirmation and the capability exchange.
func BenchmarkCodeEntryToPaired(b *testing.B) {
	b.ReportAllocs()
	hostID, joinID := testIdentity(b, 1), testIdentity(b, 2)
	code := mustCode(b, "7-guitar-kitten-maple")
	ln := listen(b)
	defer ln.Close()
	ctx := context.Background()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				Host(ctx, c, code, hostID, Info{Name: "host"})
				c.Close()
			}()
		}
	}()
	for b.Loop() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Join(ctx, c, code, joinID, Info{Name: "joiner"}); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/pairing")
}

func BenchmarkCPaceGenerator(b *testing.B) {
	prs, ci, sid := []byte("7-guitar-kitten-maple"), []byte("ci"), make([]byte, 16)
	b.ReportAllocs()
	for b.Loop() {
		cpaceGenerator(prs, ci, sid)
	}
}
