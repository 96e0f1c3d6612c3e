// Package web is warble in the browser: the pages (listen, send, flash, QR)
// and the WebAssembly build of the modem they run, embedded so that
// `warble serve` needs nothing beside its own binary.
//
// The module itself (web/wasm, built with GOOS=js GOARCH=wasm) is generated,
// not committed: scripts/build-web.sh, also run by `go generate ./web`,
// writes web/dist/warble.wasm.gz and the toolchain's wasm_exec.js before
// warble is built. A binary built without them still serves the pages, and
// answers /warble.wasm with a 503 that says how to build it.
//
// [Handler] serves:
//
//	/              listen: microphone → AudioWorklet → WASM receiver
//	/send          send: text or hex → WASM encoder → WebAudio
//	/flash         the optical flasher, one level per display refresh
//	/qr            any text as a QR code (/qr.png draws it)
//	/warble.wasm   the module, gzip-compressed, application/wasm
//	/config.json   where the pairing relay is
//
// A Handler is safe for concurrent use.
package web

//go:generate bash ../scripts/build-web.sh

import (
	"compress/gzip"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"warble/optical/qr"
)

//go:embed static
var static embed.FS

//go:embed dist
var dist embed.FS

// Options configure a [Handler].
type Options struct {
	// Module holds warble.wasm.gz and wasm_exec.js; nil means the ones
	// embedded at build time (web/dist).
	Module fs.FS
	// RelayURL is the WebSocket URL of the pairing relay the pages use;
	// empty means /relay on the same host as the page.
	RelayURL string
}

// ErrNoModule is reported when the WASM module was not built into the binary.
var ErrNoModule = errors.New("web: warble.wasm is not built: run scripts/build-web.sh (or go generate ./web) and rebuild warble")

// pages maps a path to its HTML file under static/.
var pages = map[string]string{
	"/":      "listen.html",
	"/send":  "send.html",
	"/flash": "flash.html",
	"/qr":    "qr.html",
}

// HasModule reports whether m (nil: the embedded files) holds the module.
func HasModule(m fs.FS) bool {
	if m == nil {
		m, _ = fs.Sub(dist, "dist")
	}
	_, err := fs.Stat(m, "warble.wasm.gz")
	return err == nil
}

type handler struct {
	module fs.FS
	static fs.FS
	config []byte
}

// Handler returns the pages' HTTP handler.
func Handler(o Options) http.Handler {
	h := &handler{module: o.Module}
	if h.module == nil {
		h.module, _ = fs.Sub(dist, "dist")
	}
	h.static, _ = fs.Sub(static, "static")
	h.config, _ = json.Marshal(map[string]string{"relay": o.RelayURL})
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	p := r.URL.Path
	if name, ok := pages[p]; ok {
		h.file(w, r, h.static, name, "text/html; charset=utf-8")
		return
	}
	switch p {
	case "/warble.wasm":
		h.wasm(w, r)
		return
	case "/wasm_exec.js":
		h.file(w, r, h.module, "wasm_exec.js", "text/javascript; charset=utf-8")
		return
	case "/config.json":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(h.config)
		return
	case "/qr.png":
		h.qrPNG(w, r)
		return
	}
	name := strings.TrimPrefix(p, "/")
	if name != "" && !strings.Contains(name, "/") && !strings.HasSuffix(name, ".html") {
		if ct := contentType(name); ct != "" {
			h.file(w, r, h.static, name, ct)
			return
		}
	}
	http.NotFound(w, r)
}

func contentType(name string) string {
	switch {
	case strings.HasSuffix(name, ".js"):
		return "text/javascript; charset=utf-8"
	case strings.HasSuffix(name, ".css"):
		return "text/css; charset=utf-8"
	case strings.HasSuffix(name, ".svg"):
		return "image/svg+xml"
	}
	return ""
}

func (h *handler) file(w http.ResponseWriter, r *http.Request, fsys fs.FS, name, ct string) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		if name == "wasm_exec.js" {
			http.Error(w, ErrNoModule.Error(), http.StatusServiceUnavailable)
			return
		}
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(b)
}

// wasm sends the gzip-compressed module as is to clients that accept gzip
// (every browser) and inflates it for the rest.
func (h *handler) wasm(w http.ResponseWriter, r *http.Request) {
	f, err := h.module.Open("warble.wasm.gz")
	if err != nil {
		http.Error(w, ErrNoModule.Error(), http.StatusServiceUnavailable)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/wasm")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Add("Vary", "Accept-Encoding")
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		w.Header().Set("Content-Encoding", "gzip")
		if st, err := f.Stat(); err == nil {
			w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
		}
		if r.Method != http.MethodHead {
			io.Copy(w, f)
		}
		return
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		http.Error(w, fmt.Sprintf("web: embedded module is corrupt: %v", err), http.StatusInternalServerError)
		return
	}
	if r.Method != http.MethodHead {
		io.Copy(w, zr)
	}
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.TrimSpace(name) != "*" {
			continue
		}
		params = strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return params != "q=0" && params != "q=0.0" && params != "q=0.00" && params != "q=0.000"
	}
	return false
}

// qrPNG draws ?text= as a QR code, ?size= pixels square (default 320).
func (h *handler) qrPNG(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	size := 320
	if s := q.Get("size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 64 || n > 2048 {
			http.Error(w, "web: size must be a whole number of pixels in 64..2048", http.StatusBadRequest)
			return
		}
		size = n
	}
	png, err := qr.PNG(q.Get("text"), size)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(png)))
	if r.Method != http.MethodHead {
		w.Write(png)
	}
}
