package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"warble/optical/qr"
	"warble/web"
)

// fakeModule is a module directory whose "wasm" is a few known bytes.
func fakeModule(t *testing.T) (fstest.MapFS, []byte) {
	raw := []byte("\x00asm\x01\x00\x00\x00 not a real module, only bytes to compare")
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	return fstest.MapFS{
		"warble.wasm.gz": {Data: z.Bytes()},
		"wasm_exec.js":   {Data: []byte("// glue")},
	}, raw
}

func get(t *testing.T, h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestModuleServedGzip(t *testing.T) {
	mod, raw := fakeModule(t)
	h := web.Handler(web.Options{Module: mod})

	w := get(t, h, "/warble.wasm", "Accept-Encoding", "br, gzip;q=0.8")
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/wasm" || w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("with gzip accepted: %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); !bytes.Equal(got, raw) {
		t.Errorf("gzip body inflates to %q, want %q", got, raw)
	}

	for _, ae := range []string{"", "identity", "gzip;q=0"} {
		w = get(t, h, "/warble.wasm", "Accept-Encoding", ae)
		if w.Code != 200 || w.Header().Get("Content-Encoding") != "" || !bytes.Equal(w.Body.Bytes(), raw) {
			t.Errorf("Accept-Encoding %q: %d, encoding %q, body %q; want the raw module", ae, w.Code, w.Header().Get("Content-Encoding"), w.Body.Bytes())
		}
	}
}

func TestMissingModuleSaysHowToBuild(t *testing.T) {
	h := web.Handler(web.Options{Module: fstest.MapFS{}})
	for _, p := range []string{"/warble.wasm", "/wasm_exec.js"} {
		w := get(t, h, p, "Accept-Encoding", "gzip")
		if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "scripts/build-web.sh") {
			t.Errorf("%s without a module: %d %q", p, w.Code, w.Body.String())
		}
	}
	if web.HasModule(fstest.MapFS{}) {
		t.Error("HasModule of an empty directory is true")
	}
}

func TestPagesAndAssets(t *testing.T) {
	mod, _ := fakeModule(t)
	h := web.Handler(web.Options{Module: mod, RelayURL: "ws://127.0.0.1:9/relay"})
	for path, want := range map[string]string{
		"/":             "text/html",
		"/send":         "text/html",
		"/flash":        "text/html",
		"/qr":           "text/html",
		"/warble.js":    "text/javascript",
		"/listen.js":    "text/javascript",
		"/worklet.js":   "text/javascript",
		"/style.css":    "text/css",
		"/wasm_exec.js": "text/javascript",
		"/config.json":  "application/json",
	} {
		w := get(t, h, path)
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), want) || w.Body.Len() == 0 {
			t.Errorf("%s: %d %q (%d bytes), want %s", path, w.Code, w.Header().Get("Content-Type"), w.Body.Len(), want)
		}
	}
	if w := get(t, h, "/config.json"); !strings.Contains(w.Body.String(), "ws://127.0.0.1:9/relay") {
		t.Errorf("/config.json = %q, want the relay URL", w.Body.String())
	}
	for _, path := range []string{"/nope", "/listen.html", "/static/listen.js", "/../web.go", "/dist/README.md"} {
		if w := get(t, h, path); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, w.Code)
		}
	}
	req := httptest.NewRequest("POST", "/", strings.NewReader("x"))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", w.Code)
	}
}

func TestQRPNG(t *testing.T) {
	h := web.Handler(web.Options{Module: fstest.MapFS{}})
	const text = "warble://pair?code=7-crossbow-ember"
	w := get(t, h, "/qr.png?size=256&text="+strings.ReplaceAll(text, "&", "%26"))
	if w.Code != 200 || w.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("/qr.png: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	got, err := qr.DecodeBytes(w.Body.Bytes())
	if err != nil || got != text {
		t.Errorf("the QR code reads %q, %v; want %q", got, err, text)
	}
	for _, q := range []string{"text=", "text=x&size=12", "text=x&size=big", "text=" + strings.Repeat("a", qr.MaxText+1)} {
		if w := get(t, h, "/qr.png?"+q); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), ": ") {
			t.Errorf("/qr.png?%.30s: %d %q, want 400 with a reason", q, w.Code, w.Body.String())
		}
	}
}
