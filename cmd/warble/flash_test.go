package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"warble/internal/light"
)

// flashLevels runs warble flash -levels and parses its output.
func flashLevels(t *testing.T, args ...string) []float64 {
	t.Helper()
	args = append([]string{"flash", "-levels"}, args...)
	r := warble(t, nil, args...)
	r.want(t, 0, args...)
	var lv []float64
	for _, line := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		v, err := strconv.ParseFloat(line, 64)
		if err != nil || v < 0 || v > 1 {
			t.Fatalf("flash -levels line %q is not a level in [0,1]", line)
		}
		lv = append(lv, v)
	}
	return lv
}

// writeTrace simulates lv through path c and writes a CSV trace.
func writeTrace(t *testing.T, lv []float64, c light.Config, seed uint64) string {
	t.Helper()
	s, err := light.Simulate(lv, c, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("t,value\n")
	for _, x := range s {
		fmt.Fprintf(&b, "%.6f,%.6f\n", x.T, x.V)
	}
	path := filepath.Join(t.TempDir(), "trace.csv")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFlashRoundTrip(t *testing.T) {
	for _, mode := range []string{"full", "safe"} {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("mode=%s/seed=%d", mode, seed), func(t *testing.T) {
				lv := flashLevels(t, "-mode", mode, "0123456789abcdef")
				c := light.Config{
					RepeatProb: 0.02, DropProb: 0.02, Lag: 20 * time.Millisecond, Response: 3 * time.Millisecond,
					Ambient: 0.2, FlickerHz: 100 + 20*float64(seed%2), FlickerDepth: 0.5,
					SampleRateHz: []float64{400, 1000, 2500}[seed], ClockError: 0.008 - 0.008*float64(seed),
					Gain: 0.6, Offset: 0.1, Noise: 0.004, IdleBefore: 2 * time.Second, IdleAfter: 2 * time.Second,
					IdleLevel: float64(seed) / 2,
				}
				path := writeTrace(t, lv, c, seed)
				frames, r := decodeJSONCmd(t, "flash-decode", path)
				r.want(t, 0, "flash-decode", path)
				if len(frames) != 1 || frames[0]["text"] != "0123456789abcdef" || frames[0]["profile"] != mode {
					t.Fatalf("got %v", frames)
				}
			})
		}
	}
}

// decodeJSONCmd runs a decoding command with -json and parses its lines.
func decodeJSONCmd(t *testing.T, cmd string, args ...string) ([]map[string]any, result) {
	t.Helper()
	args = append([]string{cmd, "-json"}, args...)
	r := warble(t, nil, args...)
	var frames []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := jsonUnmarshal(line, &m); err != nil {
			t.Fatalf("%s -json line %q: %v", cmd, line, err)
		}
		frames = append(frames, m)
	}
	return frames, r
}

func TestFlashSafeBand(t *testing.T) {
	for _, payload := range []string{"x", "0123456789abcdef", strings.Repeat("\xff", 140)} {
		for _, v := range flashLevels(t, "-mode", "safe", "-hex", fmt.Sprintf("%x", payload)) {
			if v < 0.8 {
				t.Fatalf("safe level %g below 0.8", v)
			}
		}
	}
}

func TestFlashWarning(t *testing.T) {
	r := warble(t, nil, "flash", "-levels", "hi")
	r.want(t, 0)
	if !strings.Contains(r.stderr, "epilepsy") {
		t.Errorf("full mode gave no epilepsy warning: %q", r.stderr)
	}
	r = warble(t, nil, "flash", "-mode", "safe", "-levels", "hi")
	r.want(t, 0)
	if r.stderr != "" {
		t.Errorf("safe mode printed %q", r.stderr)
	}
}

func TestFlashHTML(t *testing.T) {
	for _, mode := range []string{"full", "safe"} {
		path := filepath.Join(t.TempDir(), "flash.html")
		r := warble(t, nil, "flash", "-mode", mode, "-html", path, "token")
		r.want(t, 0)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		page := string(b)
		for _, want := range []string{"requestAnimationFrame", "requestFullscreen", `id="start"`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s page lacks %q", mode, want)
			}
		}
		if got := strings.Contains(page, "epilepsy warning"); got != (mode == "full") {
			t.Errorf("%s page: epilepsy warning shown = %v", mode, got)
		}
		if strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, "src=") {
			t.Errorf("%s page is not self-contained", mode)
		}
	}
}

func TestFlashUsage(t *testing.T) {
	for _, args := range [][]string{
		{"flash", "x"},
		{"flash", "-levels", "-html", "a.html", "x"},
		{"flash", "-levels", "-mode", "dim", "x"},
		{"flash", "-levels", "-refresh", "0", "x"},
		{"flash", "-levels"},
		{"flash-decode"},
		{"qr"},
		{"qr-decode"},
	} {
		warble(t, nil, args...).want(t, 2, args...)
	}
}

func TestFlashDecodeBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	for _, path := range []string{
		write("garbage.csv", "t,value\n0,1\nbanana\n"),
		write("backwards.csv", "0,1\n1,1\n0.5,1\n"),
		write("nan.csv", "0,1\n1,NaN\n"),
		write("one.csv", "0,1\n"),
		write("slow.csv", "0,1\n1,0\n2,1\n3,0\n"),
		filepath.Join(dir, "missing.csv"),
	} {
		r := warble(t, nil, "flash-decode", path)
		r.want(t, 2, "flash-decode", path)
		if !strings.Contains(r.stderr, "warble: error:") {
			t.Errorf("%s: no error line: %q", path, r.stderr)
		}
	}
	var b strings.Builder
	for i := range 4000 {
		fmt.Fprintf(&b, "%g,%g\n", float64(i)/1000, 0.5+0.01*float64(i%7))
	}
	path := write("quiet.csv", b.String())
	warble(t, nil, "flash-decode", path).want(t, 1, "flash-decode", path)
	// A folder without -fps, and one of non-images.
	frames := filepath.Join(dir, "frames")
	os.Mkdir(frames, 0o755)
	warble(t, nil, "flash-decode", frames).want(t, 2)
	os.WriteFile(filepath.Join(frames, "0001.png"), []byte("not a png"), 0o644)
	os.WriteFile(filepath.Join(frames, "0002.png"), []byte("not a png"), 0o644)
	r := warble(t, nil, "flash-decode", "-fps", "240", frames)
	r.want(t, 2)
	if !strings.Contains(r.stderr, "0001.png") {
		t.Errorf("error does not name the bad frame: %q", r.stderr)
	}
}

// TestFlashDecodeFrames films a flash with a simulated 240 fps camera: the
// screen fills the middle of each frame, the rest is a still scene.
func TestFlashDecodeFrames(t *testing.T) {
	lv := flashLevels(t, "-mode", "full", "cam")
	s, err := light.Simulate(lv, light.Config{SampleRateHz: 240, Noise: 0.01, Gain: 0.7, Offset: 0.1,
		IdleBefore: time.Second, IdleAfter: time.Second, ClockError: 0.003}, rand.New(rand.NewPCG(5, 5)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i, x := range s {
		img := image.NewGray(image.Rect(0, 0, 32, 24))
		for y := range 24 {
			for xx := range 32 {
				g := uint8(40 + 3*((xx+y)%16)) // background
				if xx >= 8 && xx < 24 && y >= 6 && y < 18 {
					g = uint8(srgbByte(x.V))
				}
				img.SetGray(xx, y, color.Gray{Y: g})
			}
		}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("frame%d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		png.Encode(f, img)
		f.Close()
	}
	frames, r := decodeJSONCmd(t, "flash-decode", "-fps", "240", dir)
	r.want(t, 0)
	if len(frames) != 1 || frames[0]["text"] != "cam" {
		t.Fatalf("got %v", frames)
	}
}

func TestQRRoundTrip(t *testing.T) {
	text := "warble://pair?code=0123456789abcdef&host=10.0.0.2:4242"
	path := filepath.Join(t.TempDir(), "code.png")
	warble(t, nil, "qr", "-o", path, "-size", "300", text).want(t, 0)
	r := warble(t, nil, "qr-decode", path)
	r.want(t, 0)
	if r.stdout != text+"\n" {
		t.Errorf("qr-decode printed %q", r.stdout)
	}
	if zbar, err := exec.LookPath("zbarimg"); err == nil {
		out, err := exec.Command(zbar, "--quiet", "--raw", path).Output()
		if err != nil || strings.TrimSuffix(string(out), "\n") != text {
			t.Errorf("zbarimg read %q, %v", out, err)
		}
	}
	r = warble(t, nil, "qr", "hello")
	r.want(t, 0)
	if strings.Count(r.stdout, "\n") < 10 {
		t.Errorf("terminal drawing: %q", r.stdout)
	}
}

func TestQRDecodeBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.png")
	os.WriteFile(bad, []byte("not an image"), 0o644)
	warble(t, nil, "qr-decode", bad).want(t, 2)
	warble(t, nil, "qr-decode", filepath.Join(dir, "missing.png")).want(t, 2)
	blank := filepath.Join(dir, "blank.png")
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 64, 64)))
	os.WriteFile(blank, b.Bytes(), 0o644)
	warble(t, nil, "qr-decode", blank).want(t, 1)
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
