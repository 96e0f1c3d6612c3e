package web_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/chromedp"

	"warble/modem"
	"warble/optical"
	"warble/optical/qr"
	"warble/web"
)

// open starts a browser on the page at path and waits until cond holds.
func open(t *testing.T, path, cond string) context.Context {
	t.Helper()
	srv := server(t)
	ctx := browser(t, "")
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+path)); err != nil {
		t.Fatalf("opening %s: %v", path, err)
	}
	if err := poll(ctx, cond, 30*time.Second); err != nil {
		msg, _ := eval[string](ctx, `(document.getElementById("error") || {}).textContent || ""`)
		t.Fatalf("%s: %v (page error %q)", path, err, msg)
	}
	return ctx
}

func screenshot(t *testing.T, ctx context.Context) []byte {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return shot
}

// TestSendPageOutputDecodes renders what the send page plays (the same
// WebAudio graph, in an OfflineAudioContext) and decodes it with the Go
// receiver, for every profile, at 44.1 and 48 kHz.
func TestSendPageOutputDecodes(t *testing.T) {
	chromium(t)
	payload := []byte{0x00, 0xff, 0x10, 'w', 'a', 'r', 'b', 'l', 'e'}
	ctx := open(t, "/send?profile=fast&hex="+hex.EncodeToString(payload), `!document.getElementById("play").disabled`)
	if v, _ := eval[string](ctx, `document.getElementById("profile").value + " " + document.getElementById("payload").value + " " + document.getElementById("hex").checked`); v != "fast "+hex.EncodeToString(payload)+" true" {
		t.Errorf("?hex=…&profile=fast pre-filled %q", v)
	}
	checkNotBlank(t, "send", screenshot(t, ctx))

	profiles := append(modem.Profiles(), modem.GGWaveNormal)
	for _, p := range profiles {
		for _, rate := range []int{44100, 48000} {
			t.Run(fmt.Sprintf("profile=%s/rate=%d", p.Name, rate), func(t *testing.T) {
				samples, err := eval[[]float32](ctx, fmt.Sprintf(`(() => {
					document.getElementById("profile").value = %q;
					return warbleSend.render(%d).then(f => Array.from(f));
				})()`, p.Name, rate))
				if err != nil {
					t.Fatal(err)
				}
				rx, err := modem.NewReceiver(rate)
				if err != nil {
					t.Fatal(err)
				}
				frames := rx.Flush(rx.Receive(nil, samples))
				if len(frames) != 1 || frames[0].Profile != p.Name || !bytes.Equal(frames[0].Payload, payload) {
					t.Fatalf("decoded %+v from %d samples, want one %s frame of %x", frames, len(samples), p.Name, payload)
				}
			})
		}
	}

	// Bad input is shown in words, not thrown away.
	msg, err := eval[string](ctx, `(() => {
		document.getElementById("payload").value = "abc";
		document.getElementById("play").click();
		return new Promise(r => setTimeout(() => r(document.getElementById("error").textContent), 300));
	})()`)
	if err != nil || msg == "" {
		t.Errorf("odd-length hex: error %q, %v; want it shown", msg, err)
	}
}

// TestQRPage draws a QR code and reads it back from a screenshot.
func TestQRPage(t *testing.T) {
	chromium(t)
	const text = "warble://pair?code=4-tidal-lantern&relay=ws://127.0.0.1:8080/relay"
	ctx := open(t, "/qr?text="+url.QueryEscape(text), `document.getElementById("qr").complete && document.getElementById("qr").naturalWidth > 0 && !document.getElementById("qr").hidden`)
	img := checkNotBlank(t, "qr", screenshot(t, ctx))
	got, err := qr.DecodeImage(img)
	if err != nil || got != text {
		t.Errorf("screenshot's QR code reads %q, %v; want %q", got, err, text)
	}
}

// flashLog is what the flash page records per animation frame.
type flashState struct {
	Log      [][3]float64 `json:"log"` // timestamp ms, level shown, index (-1 at rest)
	Dropped  int          `json:"dropped"`
	PeriodMs float64      `json:"periodMs"`
	Levels   []float64    `json:"levels"`
}

// TestFlashPage runs the flasher in safe mode and checks its timing from
// the requestAnimationFrame timestamps: one level per frame in order, every
// late frame counted as dropped, and the levels decode as the payload.
func TestFlashPage(t *testing.T) {
	chromium(t)
	ctx := open(t, "/flash?text=hi", `window.warble && !document.getElementById("start").disabled`)
	if mode, _ := eval[string](ctx, `document.getElementById("mode").value`); mode != "safe" {
		t.Errorf("flash page opens in mode %q, want safe", mode)
	}
	checkNotBlank(t, "flash", screenshot(t, ctx))
	// Full mode stays locked until the warning is acknowledged.
	locked, err := eval[bool](ctx, `(() => { const m = document.getElementById("mode");
		m.value = "full"; m.dispatchEvent(new Event("change"));
		const locked = document.getElementById("start").disabled && !document.getElementById("fullwarn").hidden;
		m.value = "safe"; m.dispatchEvent(new Event("change"));
		return locked && !document.getElementById("start").disabled; })()`)
	if err != nil || !locked {
		t.Errorf("full mode without the warning acknowledged: locked %v, %v", locked, err)
	}

	if err := chromedp.Do(ctx, chromedp.Click("#start")); err != nil {
		t.Fatal(err)
	}
	if err := poll(ctx, `warbleFlash.repeats >= 1`, 60*time.Second); err != nil {
		t.Fatalf("no complete transmission flashed: %v", err)
	}
	st, err := eval[flashState](ctx, `warbleFlash`)
	if err != nil {
		t.Fatal(err)
	}
	want, err := optical.Safe.Levels(nil, []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Levels) != len(want) {
		t.Fatalf("page flashes %d levels, the Go encoder %d", len(st.Levels), len(want))
	}
	for i := range want {
		if math.Abs(st.Levels[i]-want[i]) > 1e-9 {
			t.Fatalf("level %d: page %g, Go %g", i, st.Levels[i], want[i])
		}
	}
	if !(st.PeriodMs > 2 && st.PeriodMs < 100) {
		t.Fatalf("measured refresh period %g ms", st.PeriodMs)
	}

	// Recount the dropped frames from the timestamps, and check that the
	// index advanced by one on every frame that was on time.
	dropped, start := 0, -1
	for i := 1; i < len(st.Log); i++ {
		gap := st.Log[i][0] - st.Log[i-1][0]
		late := gap > 1.5*st.PeriodMs
		if late {
			dropped += int(math.Round(gap/st.PeriodMs)) - 1
		}
		prev, cur := int(st.Log[i-1][2]), int(st.Log[i][2])
		if prev >= 0 && cur >= 0 && cur != prev+1 {
			t.Fatalf("frame %d shows level %d after %d", i, cur, prev)
		}
		if !late && prev >= 0 && prev < len(want)-1 && cur != prev+1 {
			t.Fatalf("frame %d: on time but level %d follows %d", i, cur, prev)
		}
		if cur == 0 && prev < 0 {
			start = i
		}
		if cur == len(want)-1 && start >= 0 {
			break
		}
	}
	if dropped > st.Dropped {
		t.Errorf("timestamps show %d dropped frames by the first complete transmission, the page reported %d in all", dropped, st.Dropped)
	}
	if start < 0 {
		t.Fatal("no transmission start in the log")
	}

	// A light sensor reading the screen four times a refresh: the level of
	// each frame, held until the next frame.
	var tr optical.Trace
	for i := 0; i+1 < len(st.Log); i++ {
		t0, t1 := st.Log[i][0]/1000, st.Log[i+1][0]/1000
		for k := range 4 {
			tr.T = append(tr.T, t0+float64(k)*(t1-t0)/4)
			tr.V = append(tr.V, st.Log[i][1])
		}
	}
	frames, err := optical.Decode(tr, 1000/st.PeriodMs, optical.Safe)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) == 0 || string(frames[0].Payload) != "hi" {
		t.Errorf("the flashed levels decode as %+v, want \"hi\"", frames)
	}
	t.Logf("refresh %.1f Hz, %d frames logged, %d dropped", 1000/st.PeriodMs, len(st.Log), st.Dropped)
}

// TestPagesSayWhatWentWrong opens the listen page in a browser with no
// microphone at all, and on a server without the module: both say so in
// words.
func TestPagesSayWhatWentWrong(t *testing.T) {
	chromium(t)
	ctx := open(t, "/", `window.warbleListen && window.warbleListen.error`)
	msg, _ := eval[string](ctx, `document.getElementById("error").textContent`)
	if !strings.Contains(strings.ToLower(msg), "microphone") {
		t.Errorf("listen page without a microphone says %q", msg)
	}

	srv := httptest.NewServer(web.Handler(web.Options{Module: fstest.MapFS{}}))
	defer srv.Close()
	ctx = browser(t, "")
	if err := chromedpNavigate(ctx, srv.URL+"/send"); err != nil {
		t.Fatal(err)
	}
	if err := poll(ctx, `document.getElementById("error").textContent`, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	msg, _ = eval[string](ctx, `document.getElementById("error").textContent`)
	if !strings.Contains(msg, "scripts/build-web.sh") {
		t.Errorf("send page without the module says %q", msg)
	}
}
