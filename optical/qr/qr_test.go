package qr

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var texts = []string{
	"warble",
	"warble://pair?v=1&code=0123456789abcdef0123456789abcdef&host=192.168.1.20:4242",
	strings.Repeat("ünïcødé ", 20),
}

func TestRoundTrip(t *testing.T) {
	for _, text := range texts {
		for _, size := range []int{128, 256, 512} {
			b, err := PNG(text, size)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeBytes(b)
			if err != nil || got != text {
				t.Errorf("size %d: got %q, %v; want %q", size, got, err, text)
			}
		}
	}
}

// degrade returns a low-contrast, noisy, unevenly lit copy of the PNG b.
func degrade(t *testing.T, b []byte, rng *rand.Rand) image.Image {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	r := img.Bounds()
	out := image.NewGray(r)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			v := 90 + float64(g)*0.3 + 30*float64(x)/float64(r.Dx()) + 8*rng.NormFloat64()
			out.SetGray(x, y, color.Gray{Y: uint8(max(0, min(255, v)))})
		}
	}
	return out
}

func TestDegraded(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	b, err := PNG(texts[1], 400)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeImage(degrade(t, b, rng))
	if err != nil || got != texts[1] {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestBadInput(t *testing.T) {
	if _, err := PNG("", 256); err == nil {
		t.Error("empty text encoded")
	}
	if _, err := PNG(strings.Repeat("x", MaxText+1), 256); err == nil {
		t.Error("oversized text encoded")
	}
	if _, err := PNG("x", 0); err == nil {
		t.Error("size 0 accepted")
	}
	if _, err := DecodeBytes([]byte("not an image")); err == nil {
		t.Error("garbage decoded")
	}
	blank := image.NewGray(image.Rect(0, 0, 100, 100))
	var buf bytes.Buffer
	png.Encode(&buf, blank)
	if _, err := DecodeBytes(buf.Bytes()); !errors.Is(err, ErrNotFound) {
		t.Errorf("blank image: %v, want ErrNotFound", err)
	}
}

func TestTerminal(t *testing.T) {
	s, err := Terminal("warble")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(s, "\n"); lines < 10 || !strings.ContainsAny(s, "▀▄█") {
		t.Errorf("terminal drawing has %d lines:\n%s", lines, s)
	}
}

// TestZbarimg checks the codes with an independent reader, zbarimg from
// Debian's zbar-tools (scripts/setup-optical.sh installs it).
func TestZbarimg(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg not installed; run scripts/setup-optical.sh")
	}
	for _, text := range texts[:2] {
		b, err := PNG(text, 300)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "code.png")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", path).Output()
		if err != nil {
			t.Fatalf("zbarimg: %v", err)
		}
		if got := strings.TrimSuffix(string(out), "\n"); got != text {
			t.Errorf("zbarimg read %q, want %q", got, text)
		}
	}
}
