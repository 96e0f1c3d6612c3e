package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"warble/internal/light"
	"warble/optical"
	"warble/optical/qr"
	"warble/pairing"
)

// sensorPath is a display-to-sensor path with the usual impairments: lag,
// a lamp flickering at 100 Hz, gain and offset, a slightly fast clock,
// noise, a refresh shown twice now and then, and idle light around it.
func sensorPath(seed uint64) light.Config {
	return light.Config{
		RefreshHz:    60,
		RepeatProb:   0.01,
		DropProb:     0.01,
		Lag:          time.Duration(5+seed*7%30) * time.Millisecond,
		Response:     3 * time.Millisecond,
		Ambient:      0.2,
		FlickerHz:    100,
		FlickerDepth: 0.3,
		SampleRateHz: 500,
		ClockError:   0.004,
		Gain:         0.8,
		Offset:       0.05,
		Noise:        0.004,
		IdleBefore:   time.Second,
		IdleAfter:    time.Second,
		IdleLevel:    1,
	}
}

// readLevels reads a levels file: one number a line.
func readLevels(t *testing.T, name string) []float64 {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var lv []float64
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		v, err := strconv.ParseFloat(line, 64)
		if err != nil || v < 0 || v > 1 {
			t.Fatalf("%s: line %q is not a level in [0,1]", name, line)
		}
		lv = append(lv, v)
	}
	return lv
}

// recordFlash shows the levels in levelsFile to a simulated light sensor
// and writes its trace to traceFile, through a temporary file renamed into
// place so that a joiner waiting for it never reads half of it.
func recordFlash(t *testing.T, levelsFile, traceFile string, seed uint64) {
	t.Helper()
	s, err := light.Simulate(readLevels(t, levelsFile), sensorPath(seed), rand.New(rand.NewPCG(seed, 3)))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("t,value\n")
	for _, x := range s {
		fmt.Fprintf(&b, "%.6f,%.6f\n", x.T, x.V)
	}
	tmp := traceFile + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, traceFile); err != nil {
		t.Fatal(err)
	}
}

func TestPairQRThroughRelay(t *testing.T) {
	url := testRelay(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	png := filepath.Join(dir, "pair.png")
	host := start(t, nil, "pair", "host", "-state", a, "-via", url, "-qr", png, "-name", "tv", "-timeout", "20s", "-json")
	c := host.next(t, "code")
	if c["oob"] != "qr" || c["file"] != png {
		t.Fatalf("code event %v", c)
	}
	text, err := qr.DecodeBytes(mustRead(t, png))
	if err != nil {
		t.Fatal(err)
	}
	u, err := pairing.ParseURI(text)
	if err != nil || u.Via != url || u.Code.String() != c["code"] || !u.Code.Audio() || text != c["uri"] {
		t.Fatalf("QR code holds %q (%+v, %v); code event %v", text, u, err, c)
	}
	// No -via: the QR code says where to meet.
	join := start(t, nil, "pair", "join", "-state", b, "-qr", png, "-name", "phone", "-timeout", "20s", "-json")
	if r := join.next(t, "read"); r["oob"] != "qr" || r["via"] != url || r["nameplate"] != u.Code.Nameplate() {
		t.Fatalf("read event %v", r)
	}
	hp, jp := host.next(t, "paired"), join.next(t, "paired")
	if hr, jr := host.wait(t), join.wait(t); hr.code != 0 || jr.code != 0 {
		t.Fatalf("exit host %d (%s), join %d (%s)", hr.code, hr.stderr, jr.code, jr.stderr)
	}
	if hp["peer"] != selfOf(t, b) || jp["peer"] != selfOf(t, a) || jp["transport"] != "relay" {
		t.Fatalf("paired: %v, %v", hp, jp)
	}
	if pb := peersOf(t, b); len(pb) != 1 || pb[0]["relay"] != url {
		t.Fatalf("joiner's peers: %v", pb)
	}
}

func TestPairFlashThroughRelay(t *testing.T) {
	for _, mode := range []string{"safe", "full"} {
		t.Run("mode="+mode, func(t *testing.T) {
			url := testRelay(t)
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			levels, page, trace := filepath.Join(dir, "code.levels"), filepath.Join(dir, "code.html"), filepath.Join(dir, "trace.csv")
			host := start(t, nil, "pair", "host", "-state", a, "-via", url, "-flash-levels", levels, "-flash-html", page,
				"-flash-mode", mode, "-name", "tv", "-timeout", "5m", "-json")
			c := host.next(t, "code")
			if c["oob"] != "flash" || c["mode"] != mode {
				t.Fatalf("code event %v", c)
			}
			code, err := pairing.ParseCode(c["code"].(string))
			if err != nil || !code.Audio() {
				t.Fatalf("flashed code %v: %v", c, err)
			}
			p, _ := optical.Lookup(mode)
			want, _ := p.Levels(nil, code.Compact())
			if got := readLevels(t, levels); len(got) != len(want) {
				t.Fatalf("%d levels written, want %d", len(got), len(want))
			}
			if html := string(mustRead(t, page)); !strings.Contains(html, "requestAnimationFrame") || strings.Contains(html, "epilepsy warning") != (mode == "full") {
				t.Errorf("flash page for %s mode is not the flashing page", mode)
			}

			// A trace in which the sensor was covered halfway through holds
			// nothing: exit 1, no record, and the host's code is not used up.
			// (The trace is of a fixed code, so the test does not vary.)
			other, _ := pairing.ParseCode("4321-mfrggzdfmztwq2lknnwg23tpoa")
			covered := coverTrace(t, flashedTrace(t, filepath.Join(dir, "other.csv"), p, other.Compact()))
			r := warble(t, nil, "pair", "join", "-state", b, "-via", url, "-flash", covered, "-timeout", "2m")
			r.want(t, 1, "pair join -flash with a covered sensor")
			if !strings.Contains(r.stderr, "no flashed code found") {
				t.Errorf("stderr: %s", r.stderr)
			}
			if len(peersOf(t, b)) != 0 {
				t.Fatal("a record was written for a trace with no code")
			}

			recordFlash(t, levels, trace, 1)
			join := start(t, nil, "pair", "join", "-state", b, "-via", url, "-flash", trace, "-name", "sensor", "-timeout", "2m", "-json")
			if r := join.next(t, "read"); r["oob"] != "flash" || r["nameplate"] != code.Nameplate() {
				t.Fatalf("read event %v", r)
			}
			hp, jp := host.next(t, "paired"), join.next(t, "paired")
			if hr, jr := host.wait(t), join.wait(t); hr.code != 0 || jr.code != 0 {
				t.Fatalf("exit host %d (%s), join %d (%s)", hr.code, hr.stderr, jr.code, jr.stderr)
			}
			if hp["peer"] != selfOf(t, b) || jp["peer"] != selfOf(t, a) || hp["peer_name"] != "sensor" {
				t.Fatalf("paired: %v, %v", hp, jp)
			}
		})
	}
}

// coverTrace writes a copy of a trace whose middle third reads as darkness.
func coverTrace(t *testing.T, trace string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(mustRead(t, trace))), "\n")
	n := len(lines)
	for i := n / 3; i < 2*n/3; i++ {
		tm, _, _ := strings.Cut(lines[i], ",")
		lines[i] = tm + ",0"
	}
	out := filepath.Join(t.TempDir(), "covered.csv")
	if err := os.WriteFile(out, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writePNG(t *testing.T, name string, img image.Image) string {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func writeQR(t *testing.T, name, text string) string {
	t.Helper()
	b, err := qr.PNG(text, 256)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// flashedTrace simulates a sensor reading payload flashed with p.
func flashedTrace(t *testing.T, name string, p optical.Profile, payload []byte) string {
	t.Helper()
	lv, err := p.Levels(nil, payload)
	if err != nil {
		t.Fatal(err)
	}
	levels := name + ".levels"
	var b bytes.Buffer
	for _, l := range lv {
		fmt.Fprintln(&b, l)
	}
	if err := os.WriteFile(levels, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	recordFlash(t, levels, name, 2)
	return name
}

func TestPairOpticalBadInput(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	blank := image.NewGray(image.Rect(0, 0, 200, 200))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	noise := image.NewGray(image.Rect(0, 0, 200, 200))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range 200 {
		for x := range 200 {
			noise.SetGray(x, y, color.Gray{Y: uint8(rng.IntN(256))})
		}
	}
	garbled := image.NewGray(image.Rect(0, 0, 256, 256))
	qrImg, err := png.Decode(bytes.NewReader(mustReadQR(t, "warble:pair?code=7-mfrggzdfmztwq2lknnwg23tpob&via=lan")))
	if err != nil {
		t.Fatal(err)
	}
	for y := range 256 {
		for x := range 256 {
			garbled.Set(x, y, qrImg.At(x, y))
			if y > 40 && y < 215 && x > 40 && x < 215 && (x*7+y*13)%5 < 2 {
				garbled.SetGray(x, y, color.Gray{Y: 255 - garbled.GrayAt(x, y).Y})
			}
		}
	}
	notCSV := filepath.Join(dir, "not.csv")
	os.WriteFile(notCSV, []byte("t,value\n0,1\n0.1,oops\n"), 0o644)
	idle := filepath.Join(dir, "idle.csv")
	var b bytes.Buffer
	for i := range 3000 {
		fmt.Fprintf(&b, "%.4f,%.4f\n", float64(i)/500, 0.9+0.002*rng.NormFloat64())
	}
	os.WriteFile(idle, b.Bytes(), 0o644)
	text := filepath.Join(dir, "text.png")
	os.WriteFile(text, []byte("this is not an image"), 0o644)

	const relay = "ws://127.0.0.1:1"
	for _, c := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"missing image through a relay", []string{"-qr", filepath.Join(dir, "none.png"), "-via", relay}, 2, "no such file"},
		{"not an image", []string{"-qr", text}, 2, "not a PNG"},
		{"blank image", []string{"-qr", writePNG(t, filepath.Join(dir, "blank.png"), blank)}, 1, "no QR code found"},
		{"noise", []string{"-qr", writePNG(t, filepath.Join(dir, "noise.png"), noise)}, 1, "no QR code found"},
		{"garbled QR code", []string{"-qr", writePNG(t, filepath.Join(dir, "garbled.png"), garbled)}, 1, "no QR code found"},
		{"QR code of a web address", []string{"-qr", writeQR(t, filepath.Join(dir, "web.png"), "https://example.org/")}, 2, "not a warble pairing URI"},
		{"QR code of a bare code", []string{"-qr", writeQR(t, filepath.Join(dir, "bare.png"), "7-mfrggzdfmztwq2lknnwg23tpob")}, 2, "not a warble pairing URI"},
		{"QR code with a bad relay", []string{"-qr", writeQR(t, filepath.Join(dir, "http.png"), "warble:pair?code=7-mfrggzdfmztwq2lknnwg23tpob&via=http%3A%2F%2Fx")}, 2, "not a warble pairing URI"},
		{"QR code for another relay than -via", []string{"-via", relay, "-qr", writeQR(t, filepath.Join(dir, "lan.png"), "warble:pair?code=7-mfrggzdfmztwq2lknnwg23tpob&via=lan")}, 2, "says to meet via lan"},
		{"missing trace through a relay", []string{"-flash", filepath.Join(dir, "none.csv"), "-via", relay}, 2, "no such file"},
		{"malformed trace", []string{"-flash", notCSV}, 2, "line 3"},
		{"idle trace", []string{"-flash", idle}, 1, "no flashed code found"},
		{"flashed text that is no code", []string{"-flash", flashedTrace(t, filepath.Join(dir, "hello.csv"), optical.Safe, []byte("hello, world"))}, 2, "not a warble code"},
		{"trace sampled too slowly", []string{"-flash", writeSlowTrace(t, filepath.Join(dir, "slow.csv"))}, 2, "too slowly"},
	} {
		args := append([]string{"pair", "join", "-state", state, "-timeout", "10s"}, c.args...)
		r := warble(t, nil, args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.says) || !strings.Contains(r.stderr, "warble: error:") {
			t.Errorf("%s: exit %d, stderr %q; want exit %d saying %q", c.name, r.code, r.stderr, c.code, c.says)
		}
		if strings.Contains(r.stderr, "goroutine ") {
			t.Errorf("%s: %s", c.name, r.stderr)
		}
	}
	if len(peersOf(t, state)) != 0 {
		t.Fatal("a record was written after bad input")
	}
}

func mustReadQR(t *testing.T, text string) []byte {
	t.Helper()
	b, err := qr.PNG(text, 256)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeSlowTrace(t *testing.T, name string) string {
	t.Helper()
	var b bytes.Buffer
	for i := range 100 {
		fmt.Fprintf(&b, "%d,%d\n", i, i%2)
	}
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestPairOpticalUsage(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "x.png")
	for _, args := range [][]string{
		{"pair", "host", "-qr", png, "-audio", "-state", dir},
		{"pair", "host", "-qr", png, "-flash-levels", png + ".levels", "-state", dir},
		{"pair", "host", "-oob", "code", "-qr", png, "-state", dir},
		{"pair", "host", "-oob", "flash", "-state", dir},
		{"pair", "host", "-oob", "qr", "-flash-html", png + ".html", "-state", dir},
		{"pair", "host", "-flash-levels", png, "-flash-mode", "dim", "-state", dir},
		{"pair", "host", "-flash-html", png, "-refresh", "5", "-state", dir},
		{"pair", "join", "-code", "7-a-b-c", "-qr", png, "-state", dir},
		{"pair", "join", "-qr", png, "-flash", png, "-state", dir},
		{"pair", "join", "-audio", "-flash", png, "-state", dir},
		{"pair", "join", "-flash", png, "-refresh", "0", "-state", dir},
	} {
		r := warble(t, nil, args...)
		r.want(t, 2, args...)
		if !strings.Contains(r.stderr, "warble: error:") {
			t.Errorf("warble %s: stderr %q has no error line", strings.Join(args, " "), r.stderr)
		}
	}
	if _, err := os.Stat(png); err == nil {
		t.Error("a usage error wrote the QR code")
	}
}

func TestPairOpticalOverLAN(t *testing.T) {
	if !inNetns(t) {
		return
	}
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	fa := selfOf(t, a)

	// The QR code's URI says: the LAN, and the code's nameplate finds the
	// host there.
	png := filepath.Join(dir, "lan.png")
	host := start(t, nil, "pair", "host", "-state", a, "-iface", "lo", "-qr", png, "-name", "tv", "-timeout", "20s", "-json")
	if c := host.next(t, "code"); c["oob"] != "qr" || !strings.HasSuffix(c["uri"].(string), "&via=lan") {
		t.Fatalf("code event %v", c)
	}
	b := filepath.Join(dir, "b")
	join := start(t, nil, "pair", "join", "-state", b, "-iface", "lo", "-qr", png, "-timeout", "20s", "-json")
	join.next(t, "read")
	join.next(t, "found")
	hp, jp := host.next(t, "paired"), join.next(t, "paired")
	if hr, jr := host.wait(t), join.wait(t); hr.code != 0 || jr.code != 0 {
		t.Fatalf("exit host %d (%s), join %d (%s)", hr.code, hr.stderr, jr.code, jr.stderr)
	}
	if hp["peer"] != selfOf(t, b) || jp["peer"] != fa || jp["transport"] != "lan" {
		t.Fatalf("paired: %v, %v", hp, jp)
	}

	// Negotiated: a joiner whose -qr or -flash file does not exist yet asks
	// for that challenge, and the host writes it.
	for _, kind := range []string{"qr", "flash"} {
		hostQR, levels := filepath.Join(dir, kind+"-host.png"), filepath.Join(dir, kind+".levels")
		camera := hostQR
		if kind == "flash" {
			camera = filepath.Join(dir, "sensor.csv")
		}
		host := start(t, nil, "pair", "host", "-state", a, "-iface", "lo", "-oob", "auto", "-qr", hostQR, "-flash-levels", levels, "-timeout", "30s", "-json")
		if w := host.next(t, "waiting"); fmt.Sprint(w["challenges"]) != "[qr flash code]" {
			t.Fatalf("waiting event %v", w)
		}
		j := filepath.Join(dir, "join-"+kind)
		join := start(t, nil, "pair", "join", "-state", j, "-iface", "lo", "-"+kind, camera, "-timeout", "30s", "-json")
		join.next(t, "found")
		if ch := host.next(t, "challenge"); ch["oob"] != kind {
			t.Fatalf("host chose %v, want %s", ch, kind)
		}
		join.next(t, "challenge")
		if c := host.next(t, "code"); c["oob"] != kind {
			t.Fatalf("code event %v", c)
		}
		if kind == "flash" {
			recordFlash(t, levels, camera, 4)
		}
		if r := join.next(t, "read"); r["oob"] != kind {
			t.Fatalf("read event %v", r)
		}
		hp, jp := host.next(t, "paired"), join.next(t, "paired")
		if hr, jr := host.wait(t), join.wait(t); hr.code != 0 || jr.code != 0 {
			t.Fatalf("%s: exit host %d (%s), join %d (%s)", kind, hr.code, hr.stderr, jr.code, jr.stderr)
		}
		if hp["peer"] != selfOf(t, j) || jp["peer"] != fa {
			t.Fatalf("%s: paired %v, %v", kind, hp, jp)
		}
	}

	// Negotiated, but what the camera saw holds no QR code: the joiner
	// says so (exit 1), the host sees the attempt fail and waits on for
	// another until its timeout, and neither keeps a record.
	host = start(t, nil, "pair", "host", "-state", a, "-iface", "lo", "-oob", "auto", "-qr", filepath.Join(dir, "shown.png"), "-timeout", "10s", "-json")
	host.next(t, "waiting")
	seen := filepath.Join(dir, "seen.png")
	e := filepath.Join(dir, "e")
	join = start(t, nil, "pair", "join", "-state", e, "-iface", "lo", "-qr", seen, "-timeout", "20s", "-json")
	join.next(t, "found")
	host.next(t, "challenge")
	host.next(t, "code")
	join.next(t, "challenge")
	writePNG(t, seen, image.NewGray(image.Rect(0, 0, 64, 64)))
	jf := join.next(t, "failed")
	host.next(t, "attempt-failed")
	host.next(t, "failed")
	hr, jr := host.wait(t), join.wait(t)
	if hr.code != 1 || jr.code != 1 || !strings.Contains(jf["reason"].(string), "no QR code found") {
		t.Fatalf("garbled QR: exit host %d (%s), join %d (%s)", hr.code, hr.stderr, jr.code, jr.stderr)
	}
	if len(peersOf(t, e)) != 0 || len(peersOf(t, a)) != 3 {
		t.Fatalf("records after a garbled QR code: %d and %d", len(peersOf(t, e)), len(peersOf(t, a)))
	}
}

func TestParseInvite(t *testing.T) {
	code, _ := pairing.ParseCode("7-mfrggzdfmztwq2lknnwg23tpoa")
	for _, c := range []struct {
		payload string
		via     string
		ok      bool
	}{
		{string(code.Compact()), "", true},
		{code.String(), "", true},
		{"warble:pair?code=" + code.String() + "&via=lan", "lan", true},
		{"warble:pair?code=" + code.String() + "&via=ws%3A%2F%2Fr%3A1", "ws://r:1", true},
		{"warble:pair?code=" + code.String(), "", false},
		{"7-MFRGGZDFMZTWQ2LKNNWG23TPOA", "", false},
		{"\x00\x00abcdefghijklmnop", "", false},
		{"hello", "", false},
		{"", "", false},
	} {
		u, ok := parseInvite([]byte(c.payload))
		if ok != c.ok || ok && (u.Code != code || u.Via != c.via) {
			t.Errorf("parseInvite(%q) = %+v, %v; want ok %v, via %q", c.payload, u, ok, c.ok, c.via)
		}
	}
}
