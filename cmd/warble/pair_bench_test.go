package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"net/http/httptest"
	"warble/pairing/relay"
)

// BenchmarkPairCodeEntryToPaired measures the whole command line on
// loopback: from 'warble pair join -code' starting (the code just typed)
// to its paired event, with the host already waiting at a relay. It
// includes the relay's WebSocket, CPace, the capability exchange and the
// fsynced state writes on both sides.
func BenchmarkPairCodeEntryToPaired(b *testing.B) {
	mb, err := relay.NewMemoryMailbox(time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := relay.NewServer(relay.DefaultLimits, mb, nil)
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http")
	dir := b.TempDir()
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		a, j := filepath.Join(dir, fmt.Sprint("a", i)), filepath.Join(dir, fmt.Sprint("b", i))
		pr, pw := io.Pipe()
		hostDone := make(chan int, 1)
		go func() {
			var e bytes.Buffer
			hostDone <- run([]string{"pair", "host", "-state", a, "-via", url, "-timeout", "20s", "-json"}, strings.NewReader(""), pw, &e)
			pw.Close()
		}()
		br := bufio.NewReader(pr)
		line, _ := br.ReadBytes('\n')
		var ev struct{ Event, Code string }
		if err := json.Unmarshal(line, &ev); err != nil || ev.Event != "code" {
			b.Fatalf("host said %q", line)
		}
		code := ev.Code
		go io.Copy(io.Discard, br)
		var o, e bytes.Buffer
		t0 := time.Now()
		if c := run([]string{"pair", "join", "-state", j, "-via", url, "-code", code, "-timeout", "20s", "-json"}, strings.NewReader(""), &o, &e); c != 0 {
			b.Fatalf("join exit %d: %s", c, e.String())
		}
		total += time.Since(t0)
		if c := <-hostDone; c != 0 {
			b.Fatalf("host exit %d", c)
		}
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/pairing")
}
