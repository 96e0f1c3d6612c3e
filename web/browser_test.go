package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"warble/internal/wav"
	"warble/modem"
	"warble/web"
)

// The tests in this file run warble's pages in Debian's chromium (installed
// by scripts/setup-browser.sh), driven over the DevTools protocol by
// chromedp. They build the WASM module themselves, so they always test the
// code in the tree, not a stale web/dist.

var (
	moduleOnce sync.Once
	moduleDir  string
	moduleErr  error
)

// module builds web/wasm once per test binary into a temporary directory
// laid out like web/dist.
func module(tb testing.TB) string {
	tb.Helper()
	moduleOnce.Do(func() {
		moduleDir, moduleErr = os.MkdirTemp("", "warble-wasm-")
		if moduleErr != nil {
			return
		}
		moduleErr = buildModule(moduleDir)
	})
	if moduleErr != nil {
		tb.Fatalf("building the WASM module: %v", moduleErr)
	}
	return moduleDir
}

func buildModule(dir string) error {
	goBin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	root, err := exec.Command(goBin, "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %v", err)
	}
	raw := filepath.Join(dir, "warble.wasm")
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags=-s -w", "-o", raw, "./wasm")
	// As scripts/build-web.sh builds it: saturating float-to-int and sign
	// extension instructions are in every browser since 2021.
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOWASM=satconv,signext", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(raw)
	if err != nil {
		return err
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "warble.wasm.gz"), z.Bytes(), 0o644); err != nil {
		return err
	}
	glue, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(root)), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "wasm_exec.js"), glue, 0o644)
}

// chromium returns the browser's path, or skips the test where it is
// missing outside CI (in CI, setup-browser.sh installs it: a missing
// browser there is a failure).
func chromium(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal("chromium is not installed; scripts/setup-browser.sh installs it")
	}
	tb.Skip("chromium is not installed: run scripts/setup-browser.sh to run the browser tests")
	return ""
}

// server serves the pages with the freshly built module on loopback.
func server(tb testing.TB) *httptest.Server {
	tb.Helper()
	s := httptest.NewServer(web.Handler(web.Options{Module: os.DirFS(module(tb))}))
	tb.Cleanup(s.Close)
	return s
}

// browser starts a headless chromium; mic, if not empty, is a WAV file the
// fake microphone plays once.
func browser(tb testing.TB, mic string) context.Context {
	tb.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(tb)),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// no autoplay flag: the listen page must start as a user opens it
		chromedp.WindowSize(430, 932),
	}
	if mic != "" {
		opts = append(opts,
			chromedp.Flag("use-fake-ui-for-media-stream", true),
			chromedp.Flag("use-fake-device-for-media-stream", true),
			chromedp.Flag("use-file-for-fake-audio-capture", mic+"%noloop"),
		)
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	tb.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	tb.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

func chromedpNavigate(ctx context.Context, url string) error {
	return chromedp.Do(ctx, chromedp.Navigate(url))
}

// poll waits until the page expression is true.
func poll(ctx context.Context, expr string, wait time.Duration) error {
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void]("!!("+expr+")",
		chromedp.WithPollingTimeout(wait), chromedp.WithPollingInterval(50*time.Millisecond)))
	return err
}

// eval evaluates a page expression, waiting for it when it is a promise.
func eval[T any](ctx context.Context, expr string) (T, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// fakeMic writes the transmissions of payloads (one per profile, each
// sent repeat times after lead of silence) as the 44.1 kHz stereo 16-bit
// WAV chromium's fake microphone plays, with tail of silence at the end.
//
// The repeats are there because the fake capture device drops 10 ms
// buffers when the machine is loaded (as a real sender repeats for a real
// room); a test then asks for each payload at least once and nothing else.
func fakeMic(tb testing.TB, lead, tail time.Duration, repeat int, profiles []modem.Profile, payloads [][]byte) string {
	tb.Helper()
	const rate = 44100
	var s []float32
	for i, p := range profiles {
		enc, err := modem.NewEncoder(p, rate)
		if err != nil {
			tb.Fatal(err)
		}
		for range repeat {
			s = append(s, make([]float32, int(lead.Seconds()*rate))...)
			if s, err = enc.Encode(s, payloads[i]); err != nil {
				tb.Fatal(err)
			}
		}
	}
	s = append(s, make([]float32, int(tail.Seconds()*rate))...)
	name := filepath.Join(tb.TempDir(), "mic.wav")
	f, err := os.Create(name)
	if err != nil {
		tb.Fatal(err)
	}
	if err := wav.EncodeFormat(f, [][]float32{s, s}, rate, wav.PCM16); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return name
}

// heardFrame is one element of the listen page's #frames.
type heardFrame struct {
	PayloadHex string `json:"payloadHex"`
	Profile    string `json:"profile"`
	SNR        string `json:"snr"`
	Latency    string `json:"latency"`
	Text       string `json:"text"`
}

const readFrames = `Array.from(document.querySelectorAll("#frames > li")).map(li => ({
	payloadHex: li.dataset.payloadHex, profile: li.dataset.profile, snr: li.dataset.snrDb,
	latency: li.dataset.latencyMs, text: li.textContent}))`

// listen opens the listen page with the fake microphone playing mic and
// waits until frames of want different payloads are shown (or the page
// reports an error).
func listen(t testing.TB, mic, profile string, want int, wait time.Duration) ([]heardFrame, []byte) {
	t.Helper()
	return listenPage(t, mic, profile, want, wait, true)
}

// listenFrames is listen for benchmarks: the frames shown by the time want
// have been or wait has passed, however many.
func listenFrames(t testing.TB, mic, profile string, want int, wait time.Duration) []heardFrame {
	t.Helper()
	frames, _ := listenPage(t, mic, profile, want, wait, false)
	return frames
}

func listenPage(t testing.TB, mic, profile string, want int, wait time.Duration, strict bool) ([]heardFrame, []byte) {
	t.Helper()
	srv := server(t)
	ctx := browser(t, mic)
	ctx, cancel := context.WithTimeout(ctx, wait+20*time.Second)
	defer cancel()
	if err := chromedpNavigate(ctx, srv.URL+"/?profile="+profile); err != nil {
		t.Fatalf("opening the listen page: %v", err)
	}
	err := poll(ctx, fmt.Sprintf(`(window.warbleListen && window.warbleListen.error) || new Set(Array.from(document.querySelectorAll("#frames > li"), li => li.dataset.payloadHex)).size >= %d`, want), wait+15*time.Second)
	frames, ferr := eval[[]heardFrame](ctx, readFrames)
	if ferr != nil || (err != nil && strict) {
		state, _ := eval[string](ctx, `JSON.stringify({status: document.getElementById("status").textContent,
			error: document.getElementById("error").textContent, profile: document.getElementById("profile").value,
			samples: warbleListen.samples, rate: warbleListen.rate, stats: warbleListen.stats})`)
		t.Fatalf("listen page: %v %v (frames so far %+v; page %s)", err, ferr, frames, state)
	}
	if pageErr, _ := eval[string](ctx, `window.warbleListen.error || ""`); pageErr != "" {
		t.Fatalf("listen page reported: %s", pageErr)
	}
	if !strict {
		return frames, nil
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return frames, shot
}

// TestListenPageHearsEachProfile plays one token per profile through the
// fake microphone to the listen page set to that profile.
func TestListenPageHearsEachProfile(t *testing.T) {
	chromium(t)
	var cases []modem.Profile
	for _, p := range modem.Profiles() {
		if p.Validate(44100) == nil {
			cases = append(cases, p)
		}
	}
	cases = append(cases, modem.GGWaveFast)
	for _, p := range cases {
		t.Run(p.Name, func(t *testing.T) {
			payload := []byte("pair:" + p.Name)
			if p.Family == modem.GGWave {
				payload = []byte("gg-hello")
			}
			air, err := p.Airtime(len(payload))
			if err != nil {
				t.Fatal(err)
			}
			const repeat = 3
			mic := fakeMic(t, 500*time.Millisecond, 2*time.Second, repeat, []modem.Profile{p}, [][]byte{payload})
			frames, _ := listen(t, mic, p.Name, 1, repeat*(air+500*time.Millisecond)+2*time.Second)
			if len(frames) == 0 {
				t.Fatal("heard nothing")
			}
			for _, f := range frames {
				if f.PayloadHex != hex.EncodeToString(payload) || f.Profile != p.Name {
					t.Errorf("heard %s %s, want %s %x", f.Profile, f.PayloadHex, p.Name, payload)
				}
				if f.SNR == "" || !strings.Contains(f.Text, string(payload)) {
					t.Errorf("frame element shows %q with data-snr-db %q; want the text and an SNR", f.Text, f.SNR)
				}
				t.Logf("%s: SNR %s dB, shown %s ms after the transmission ended", p.Name, f.SNR, f.Latency)
			}
		})
	}
}

// TestListenPageAuto hears a native and a ggwave token in one recording with
// the page left in auto.
func TestListenPageAuto(t *testing.T) {
	chromium(t)
	ps := []modem.Profile{modem.Room, modem.GGWaveNormal}
	payloads := [][]byte{[]byte("first: room"), []byte("then ggwave")}
	mic := fakeMic(t, 500*time.Millisecond, 2*time.Second, 3, ps, payloads)
	frames, shot := listen(t, mic, "auto", 2, 16*time.Second)
	heard := map[string]bool{}
	for _, f := range frames {
		heard[f.Profile+" "+f.PayloadHex] = true
	}
	for i, p := range ps {
		want := p.Name + " " + hex.EncodeToString(payloads[i])
		if !heard[want] {
			t.Errorf("did not hear %s", want)
		}
		delete(heard, want)
	}
	if len(heard) != 0 {
		t.Errorf("heard frames that were not sent: %v", heard)
	}
	checkNotBlank(t, "listen", shot)
}

// checkNotBlank decodes a screenshot and fails when it has too few colours
// to be a drawn page.
func checkNotBlank(t testing.TB, page string, shot []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("%s screenshot: %v", page, err)
	}
	colours := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	if len(colours) < 16 || b.Dx() < 300 {
		t.Errorf("%s screenshot is %dx%d with %d colours: looks blank", page, b.Dx(), b.Dy(), len(colours))
	}
	if os.Getenv("WARBLE_SCREENSHOTS") != "" {
		os.WriteFile(filepath.Join(os.Getenv("WARBLE_SCREENSHOTS"), page+".png"), shot, 0o644)
	}
	return img
}
