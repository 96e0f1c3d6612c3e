package relay

import (
	"fmt"
	"io"
	"testing"
)

// BenchmarkRendezvous is one pairing's use of the relay on loopback: both
// sides dial the same nameplate, meet, and exchange a message each way.
func BenchmarkRendezvous(b *testing.B) {
	_, url := startRelay(b, testLimits())
	b.ReportAllocs()
	buf := make([]byte, 32)
	i := 0
	for b.Loop() {
		i++
		np := fmt.Sprintf("b-%d", i)
		host, err := Dial(ctxT(b), url, np, RoleHost)
		if err != nil {
			b.Fatal(err)
		}
		join, err := Dial(ctxT(b), url, np, RoleJoin)
		if err != nil {
			b.Fatal(err)
		}
		go join.Write(buf)
		if _, err := io.ReadFull(host, buf); err != nil {
			b.Fatal(err)
		}
		go host.Write(buf)
		if _, err := io.ReadFull(join, buf); err != nil {
			b.Fatal(err)
		}
		host.Close()
		join.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/pairing")
}

// BenchmarkForward is the relay's throughput for one joined pair.
func BenchmarkForward(b *testing.B) {
	for _, size := range []int{1 << 10, 16 << 10, 60 << 10} {
		b.Run(fmt.Sprintf("write=%d", size), func(b *testing.B) {
			_, url := startRelay(b, testLimits())
			host, join := pair(b, url, "fwd", RoleHost, RoleJoin)
			msg := make([]byte, size)
			done := make(chan error, 1)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			go func() {
				_, err := io.CopyN(io.Discard, join, int64(size)*int64(b.N))
				done <- err
			}()
			for range b.N {
				if _, err := host.Write(msg); err != nil {
					b.Fatal(err)
				}
			}
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		})
	}
}
