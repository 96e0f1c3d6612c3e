package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"warble/internal/channel"
	"warble/internal/light"
	"warble/internal/wav"
	"warble/payload"
)

// typedCase is one standard payload as a user gives it to warble.
type typedCase struct {
	name, kind string
	json       bool
	arg        string
}

// typedCases holds one payload per type, from the specifications' and
// open implementations' examples (testdata/payload says where each is
// from).
var typedCases = []typedCase{
	{"ndef-text", "ndef-text", false, "Hello, world!"},
	{"ndef-uri", "ndef-uri", false, "http://www.nfc.com"},
	{"wifi", "wifi", false, `WIFI:T:WPA;S:a\;b\,c\:d;P:correct horse;H:true;;`},
	{"dpp", "dpp", false, "DPP:C:81/1,115/36;K:MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADM2206avxHJaHXgLMkq/24e0rsrfMP9K1Tm8gx+ovP0I=;;"},
	{"matter-qr", "matter", false, "MT:-24J0AFN00KA0648G00"},
	{"matter-manual", "matter", false, "34970112332"},
	{"bt-oob", "bt-oob", true, `{"address":"00:0C:78:51:C4:06","class_of_device":2098180,"hash_c":"00112233445566778899aabbccddeeff","randomizer_r":"ffeeddccbbaa99887766554433221100","name":"Headset"}`},
	{"ndef-mime-external", "ndef", true, `{"records":[{"tnf":2,"type":"text/plain","payload_hex":"6869"},{"tnf":4,"type":"example.com:t","id":"a","payload_hex":"00ff"}]}`},
	{"ble-oob", "ble-oob", true, `{"address":"01:02:03:04:05:06","address_type":"random","role":2,"confirm":"0102030405060708090a0b0c0d0e0f10","random":"a1a2a3a4a5a6a7a8a9aaabacadaeafb0"}`},
}

func (c typedCase) args() []string {
	a := []string{"-type", c.kind}
	if c.json {
		a = append(a, "-json")
	}
	return append(a, c.arg)
}

// want is the payload object decoding must print: the payload package's
// own reading of the case.
func (c typedCase) want(t *testing.T) string {
	t.Helper()
	var typed payload.Typed
	var err error
	if c.json {
		typed, err = payload.FromJSON(c.kind, []byte(c.arg))
	} else {
		typed, err = payload.ParseTextForm(c.kind, c.arg)
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(typed)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// typedPayloads returns the "payload" objects of decoded JSON lines.
func typedPayloads(t *testing.T, frames []map[string]any) []string {
	t.Helper()
	var out []string
	for _, f := range frames {
		if p, ok := f["payload"]; ok {
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, string(b))
		}
	}
	return out
}

// sameJSON compares two JSON objects regardless of key order.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// noisyWAV reads a WAV, adds white noise at snrDB over the whole signal
// and writes it back.
func noisyWAV(t *testing.T, path string, snrDB float64, seed uint64) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	x, rate, err := wav.ReadAll(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	sp := channel.ActiveSpan(x, -40)
	y := channel.AddNoise(nil, x, snrDB, sp, rand.New(rand.NewPCG(seed, 2)))
	out := filepath.Join(t.TempDir(), "noisy.wav")
	var b bytes.Buffer
	if err := wav.Encode(&b, channel.Clip(y), rate); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTypedSound sends each type by sound (the audible profile) through
// white noise at 10 dB SNR and decodes it back to the same fields.
func TestTypedSound(t *testing.T) {
	for i, c := range typedCases {
		t.Run(c.name, func(t *testing.T) {
			path := encodeFile(t, nil, c.args()...)
			noisy := noisyWAV(t, path, 10, uint64(i))
			frames, r := decodeJSONCmd(t, "decode", noisy)
			r.want(t, 0, "decode", noisy)
			got := typedPayloads(t, frames)
			if len(got) != 1 || !sameJSON(t, got[0], c.want(t)) {
				t.Fatalf("decoded %v\nwant %s", got, c.want(t))
			}
			// The text output carries the same fields on one line.
			r = warble(t, nil, "decode", noisy)
			r.want(t, 0)
			if !strings.Contains(r.stdout, "type="+c.kind+" ") {
				t.Errorf("text output %q lacks type=%s", r.stdout, c.kind)
			}
		})
	}
}

// TestTypedLight flashes each type through the light path simulator and
// reads it back with flash-decode: every type in full mode, and two in
// safe mode (which is slower to decode, and not different for types).
func TestTypedLight(t *testing.T) {
	for i, c := range typedCases {
		modes := []string{"full"}
		if c.name == "matter-qr" || c.name == "ble-oob" {
			modes = append(modes, "safe")
		}
		for _, mode := range modes {
			t.Run(c.name+"/mode="+mode, func(t *testing.T) {
				lv := flashLevels(t, append([]string{"-mode", mode}, c.args()...)...)
				cfg := light.Config{
					RepeatProb: 0.01, DropProb: 0.01, Lag: 20 * time.Millisecond, Response: 3 * time.Millisecond,
					Ambient: 0.2, FlickerHz: 100, FlickerDepth: 0.3, SampleRateHz: 1000, ClockError: 0.004,
					Gain: 0.6, Offset: 0.1, Noise: 0.003, IdleBefore: time.Second, IdleAfter: time.Second, IdleLevel: 0.5,
				}
				path := writeTrace(t, lv, cfg, uint64(i))
				frames, r := decodeJSONCmd(t, "flash-decode", path)
				r.want(t, 0, "flash-decode", path)
				got := typedPayloads(t, frames)
				if len(got) != 1 || !sameJSON(t, got[0], c.want(t)) {
					t.Fatalf("decoded %v\nwant %s", got, c.want(t))
				}
			})
		}
	}
}

// TestTypedQR draws each type as a QR code and reads it back with
// qr-decode (gozxing) and, where installed, zbarimg; Wi-Fi, DPP and a
// Matter QR payload must be their own standard text.
func TestTypedQR(t *testing.T) {
	zbar, _ := exec.LookPath("zbarimg")
	for _, c := range typedCases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "code.png")
			args := append([]string{"qr", "-o", path}, c.args()...)
			r := warble(t, nil, args...)
			r.want(t, 0, args...)
			frames, r := decodeJSONCmd(t, "qr-decode", path)
			r.want(t, 0, "qr-decode", path)
			got := typedPayloads(t, frames)
			if len(got) != 1 || !sameJSON(t, got[0], c.want(t)) {
				t.Fatalf("decoded %v\nwant %s", got, c.want(t))
			}
			text, _ := frames[0]["text"].(string)
			switch c.kind {
			case "wifi", "dpp":
				if !strings.HasPrefix(text, strings.ToUpper(c.kind)+":") {
					t.Errorf("QR text %q is not the standard form", text)
				}
			case "ndef-uri":
				if text != c.arg {
					t.Errorf("QR text %q, want the URI %q", text, c.arg)
				}
			}
			if c.name == "matter-qr" && text != c.arg {
				t.Errorf("QR text %q, want %q", text, c.arg)
			}
			if zbar == "" {
				return
			}
			out, err := exec.Command(zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", path).Output()
			if err != nil {
				t.Fatalf("zbarimg: %v", err)
			}
			if z := strings.TrimSuffix(string(out), "\n"); z != text {
				t.Fatalf("zbarimg read %q, gozxing %q", z, text)
			}
		})
	}
	if zbar == "" {
		t.Log("zbarimg not installed (scripts/setup-optical.sh installs it): checked with gozxing only")
	}
}

// TestTypedSplit sends a text longer than a frame: it goes as several
// frames that decode joins; with a frame cut out, decode names the loss
// and exits 1.
func TestTypedSplit(t *testing.T) {
	text := strings.Repeat("warble carries standard payloads. ", 9) // 306 bytes
	path := encodeFile(t, nil, "-profile", "fast", "-type", "ndef-text", text)
	frames, r := decodeJSONCmd(t, "decode", path)
	r.want(t, 0, "decode", path)
	got := typedPayloads(t, frames)
	if len(frames) < 3 || len(got) != 1 || !strings.Contains(got[0], text) {
		t.Fatalf("%d frames gave payloads %v", len(frames), got)
	}
	if frames[len(frames)-1]["parts"] != float64(len(frames)) {
		t.Errorf("last frame says parts %v, want %d", frames[len(frames)-1]["parts"], len(frames))
	}
	// Silence the second frame.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	x, rate, err := wav.ReadAll(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	from := int(frames[1]["start_s"].(float64) * float64(rate))
	to := int(frames[2]["start_s"].(float64)*float64(rate)) - rate/10
	clear(x[from:to])
	cut := filepath.Join(t.TempDir(), "cut.wav")
	var b bytes.Buffer
	if err := wav.Encode(&b, x, rate); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cut, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	frames, r = decodeJSONCmd(t, "decode", cut)
	r.want(t, 1, "decode", cut)
	if len(typedPayloads(t, frames)) != 0 {
		t.Fatalf("a payload came out of a cut transmission: %v", frames)
	}
	if !strings.Contains(r.stderr, "part of a chunked message is missing") {
		t.Errorf("stderr does not name the missing part: %q", r.stderr)
	}
}

func TestTypedUsage(t *testing.T) {
	for _, args := range [][]string{
		{"encode", "-json", "{}"},
		{"encode", "-type", "nfc", "x"},
		{"encode", "-type", "wifi", "-hex", "00"},
		{"encode", "-type", "bt-oob", "00:0C:78:51:C4:06"},
		{"encode", "-type", "wifi", "WIFI:S:abcdefghijklmnopqrstuvwxyz0123456;;"},
		{"encode", "-type", "wifi", "WIFI:S:x;P:pass"},
		{"encode", "-type", "matter", "-json", `{"discriminator":3840,"passcode":12345678}`},
		{"encode", "-type", "dpp", "DPP:K:bm90IGEga2V5;;"},
		{"qr", "-type", "matter", "MT:M5L90MP500W-GT68D20"},
		{"flash", "-levels", "-type", "ble-oob", "-json", `{"address":"01:02:03:04:05:06"}`},
	} {
		r := warble(t, nil, args...)
		r.want(t, 2, args...)
		if !strings.HasPrefix(r.stderr, "warble: error: ") {
			t.Errorf("warble %s: stderr %q", strings.Join(args, " "), r.stderr)
		}
	}
}
