package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// result is what one run of the command line produced.
type result struct {
	code           int
	stdout, stderr string
}

// warble runs the command line in process with the given stdin.
func warble(t *testing.T, stdin io.Reader, args ...string) result {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errOut bytes.Buffer
	code := run(args, stdin, &out, &errOut)
	r := result{code: code, stdout: out.String(), stderr: errOut.String()}
	// A panic trace reaching a user is a bug, and so is the recovered
	// panic that run reports as an internal error.
	for _, bad := range []string{"goroutine ", "panic", "internal error"} {
		if strings.Contains(r.stderr, bad) || strings.Contains(r.stdout, bad) {
			t.Errorf("warble %s: output contains %q:\n%s%s", strings.Join(args, " "), bad, r.stdout, r.stderr)
		}
	}
	return r
}

// want checks the exit status.
func (r result) want(t *testing.T, code int, args ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("warble %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
}

// encodeFile runs warble encode with args and -o into a temporary file.
func encodeFile(t *testing.T, stdin io.Reader, args ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tx.wav")
	args = append([]string{"encode", "-o", path}, args...)
	r := warble(t, stdin, args...)
	r.want(t, 0, args...)
	if r.stdout != "" || r.stderr != "" {
		t.Errorf("encode -o printed %q, %q; want nothing", r.stdout, r.stderr)
	}
	return path
}

// decodeJSON runs warble decode -json and parses its lines.
func decodeJSON(t *testing.T, stdin io.Reader, args ...string) ([]map[string]any, result) {
	t.Helper()
	args = append([]string{"decode", "-json"}, args...)
	r := warble(t, stdin, args...)
	var frames []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("decode -json line %q: %v", line, err)
		}
		frames = append(frames, m)
	}
	return frames, r
}

func TestEncodeDecodeText(t *testing.T) {
	path := encodeFile(t, nil, "-rate", "16000", "hello warble")
	r := warble(t, nil, "decode", path)
	r.want(t, 0, "decode", path)
	fields := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\t")
	if len(fields) != 5 || fields[0] != path || fields[2] != "room" ||
		!strings.HasPrefix(fields[3], "snr ") || fields[4] != "hello warble" {
		t.Fatalf("decode printed %q, want FILE\\tSTART\\troom\\tsnr …\\thello warble", r.stdout)
	}
	// 40 ms of silence before the transmission, found within 5 ms (the
	// room profile's frequency glides flatten its timing metric).
	if s, err := strconv.ParseFloat(strings.TrimSuffix(fields[1], "s"), 64); err != nil || s < 0.035 || s > 0.045 {
		t.Errorf("start %s, want 0.040s", fields[1])
	}
	if r.stderr != "" {
		t.Errorf("stderr: %q", r.stderr)
	}
}

func TestEncodeDecodeJSON(t *testing.T) {
	for _, p := range []struct{ profile, rate string }{
		{"room", "48000"}, {"audible", "48000"}, {"fast", "16000"}, {"ultrasonic", "44100"},
	} {
		t.Run("profile="+p.profile, func(t *testing.T) {
			path := encodeFile(t, nil, "-profile", p.profile, "-rate", p.rate, "json please")
			frames, r := decodeJSON(t, nil, path)
			r.want(t, 0)
			if len(frames) != 1 {
				t.Fatalf("got %d frames: %s", len(frames), r.stdout)
			}
			f := frames[0]
			for _, key := range []string{"payload_hex", "text", "profile", "start_s", "snr_db", "file", "skew_ppm"} {
				if _, ok := f[key]; !ok {
					t.Errorf("JSON lacks %q: %s", key, r.stdout)
				}
			}
			if f["payload_hex"] != hex.EncodeToString([]byte("json please")) || f["text"] != "json please" ||
				f["profile"] != p.profile || f["file"] != path {
				t.Errorf("JSON %s", r.stdout)
			}
			// Within 1 ms, or 5 ms for the hopping profiles, whose frequency
			// glides flatten the top of the timing metric.
			tol := 0.001
			if p.profile == "room" || p.profile == "ultrasonic" {
				tol = 0.005
			}
			if s, ok := f["start_s"].(float64); !ok || s < 0.04-tol || s > 0.04+tol {
				t.Errorf("start_s %v, want 0.04 within %v s", f["start_s"], tol)
			}
			if _, ok := f["snr_db"].(float64); !ok {
				t.Errorf("snr_db %v is not a number", f["snr_db"])
			}
		})
	}
}

func TestEncodeHex(t *testing.T) {
	path := encodeFile(t, nil, "-rate", "16000", "-hex", "00ff10 7f")
	frames, r := decodeJSON(t, nil, "-profile", "room", path)
	r.want(t, 0)
	if len(frames) != 1 || frames[0]["payload_hex"] != "00ff107f" {
		t.Fatalf("got %s", r.stdout)
	}
	if _, ok := frames[0]["text"]; ok {
		t.Errorf("binary payload has a text field: %s", r.stdout)
	}
	r = warble(t, nil, "decode", path)
	r.want(t, 0)
	if !strings.HasSuffix(r.stdout, "\thex:00ff107f\n") {
		t.Errorf("text output %q, want it to end in hex:00ff107f", r.stdout)
	}
}

func TestStdinAndStdout(t *testing.T) {
	// Payload from stdin, WAV to stdout, and that WAV decoded from stdin.
	r := warble(t, strings.NewReader("from stdin\n"), "encode", "-rate", "16000", "-")
	r.want(t, 0)
	if !strings.HasPrefix(r.stdout, "RIFF") || r.stderr != "" {
		t.Fatalf("encode to stdout: %d bytes starting %q, stderr %q", len(r.stdout), r.stdout[:min(4, len(r.stdout))], r.stderr)
	}
	frames, d := decodeJSON(t, strings.NewReader(r.stdout), "-")
	d.want(t, 0)
	if len(frames) != 1 || frames[0]["text"] != "from stdin" || frames[0]["file"] != "-" {
		t.Fatalf("decode -: %s", d.stdout)
	}

	// Hex from stdin, with spaces and a CRLF ending.
	path := encodeFile(t, strings.NewReader("de ad\r\nbe ef\r\n"), "-rate", "16000", "-hex", "-")
	frames, d = decodeJSON(t, nil, path)
	d.want(t, 0)
	if len(frames) != 1 || frames[0]["payload_hex"] != "deadbeef" {
		t.Fatalf("hex from stdin: %s", d.stdout)
	}
}

func TestProfiles(t *testing.T) {
	r := warble(t, nil, "profiles")
	r.want(t, 0, "profiles")
	for _, name := range []string{"audible", "fast", "ultrasonic"} {
		if !strings.Contains(r.stdout, "\n"+name+" ") {
			t.Errorf("profiles does not list %s:\n%s", name, r.stdout)
		}
	}
	if r.stderr != "" {
		t.Errorf("stderr: %q", r.stderr)
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"encode", "-h"}, {"decode", "-h"}} {
		warble(t, nil, args...).want(t, 0, args...)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("this is not a WAV file, just some text\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := warble(t, nil, "decode", text)
	r.want(t, 2, "decode", text)
	if !strings.HasPrefix(r.stderr, "warble: error: "+text+": ") || !strings.Contains(r.stderr, "warble: hint: ") {
		t.Errorf("text file: stderr %q", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("text file: stdout %q", r.stdout)
	}

	missing := filepath.Join(dir, "missing.wav")
	r = warble(t, nil, "decode", missing)
	r.want(t, 2, "decode", missing)
	if !strings.HasPrefix(r.stderr, "warble: error: ") {
		t.Errorf("missing file: stderr %q", r.stderr)
	}

	r = warble(t, strings.NewReader(""), "decode", "-")
	r.want(t, 2, "decode", "-")
}

func TestTruncatedWAV(t *testing.T) {
	path := encodeFile(t, nil, "-rate", "16000", "cut me off")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Mid-transmission: nothing can be recovered, and the cut is reported.
	mid := filepath.Join(t.TempDir(), "mid.wav")
	if err := os.WriteFile(mid, b[:len(b)*6/10+1], 0o644); err != nil {
		t.Fatal(err)
	}
	r := warble(t, nil, "decode", mid)
	if r.code != 1 && r.code != 2 {
		t.Fatalf("truncated mid-transmission: exit %d, want 1 or 2\n%s", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "warble: error: ") || !strings.Contains(r.stderr, "truncated") {
		t.Errorf("truncated mid-transmission: stderr %q, want an error mentioning truncated", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("truncated mid-transmission: stdout %q", r.stdout)
	}

	// Cut in the trailing silence: the frame before the cut comes out, and
	// the cut is still reported.
	tail := filepath.Join(t.TempDir(), "tail.wav")
	if err := os.WriteFile(tail, b[:len(b)-201], 0o644); err != nil {
		t.Fatal(err)
	}
	r = warble(t, nil, "decode", tail)
	if !strings.HasSuffix(r.stdout, "\tcut me off\n") || !strings.Contains(r.stderr, "truncated") {
		t.Errorf("truncated after the frame: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestNothingFound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "noise.wav")
	if err := os.WriteFile(path, noiseWAV(t, 16000, 16000), 0o644); err != nil {
		t.Fatal(err)
	}
	r := warble(t, nil, "decode", path)
	r.want(t, 1, "decode", path)
	if r.stdout != "" {
		t.Errorf("noise: stdout %q, want nothing", r.stdout)
	}
	if !strings.HasPrefix(r.stderr, "warble: error: no transmission found") {
		t.Errorf("noise: stderr %q", r.stderr)
	}

	// A transmission of another profile than the one asked for is not found.
	tx := encodeFile(t, nil, "-rate", "16000", "audible only")
	warble(t, nil, "decode", "-profile", "fast", tx).want(t, 1)
}

func TestUsageErrors(t *testing.T) {
	long := strings.Repeat("x", 141)
	for _, c := range []struct {
		args    []string
		stderr  string // substring of stderr
		unusual bool   // stderr may start with usage text rather than the error
		noError bool   // the flag package's message stands in for warble: error:
	}{
		{args: nil, stderr: "usage: warble", unusual: true, noError: true},
		{args: []string{"chirp"}, stderr: `unknown command "chirp"`, unusual: true},
		{args: []string{"encode", "-bogus", "x"}, stderr: "flag provided but not defined", unusual: true, noError: true},
		{args: []string{"decode", "-bogus", "x.wav"}, stderr: "flag provided but not defined", unusual: true, noError: true},
		{args: []string{"profiles", "-bogus"}, stderr: "flag provided but not defined", unusual: true, noError: true},
		{args: []string{"encode"}, stderr: "exactly one PAYLOAD", unusual: true},
		{args: []string{"encode", "a", "b"}, stderr: "exactly one PAYLOAD", unusual: true},
		{args: []string{"decode"}, stderr: "at least one FILE", unusual: true},
		{args: []string{"encode", long}, stderr: "payload is 141 bytes"},
		{args: []string{"encode", ""}, stderr: "payload is 0 bytes"},
		{args: []string{"encode", "-hex", "zz"}, stderr: "not valid hex"},
		{args: []string{"encode", "-profile", "ultrasonic", "-rate", "16000", "x"}, stderr: "Nyquist"},
		{args: []string{"encode", "-rate", "4000", "x"}, stderr: "4000 Hz"},
		{args: []string{"encode", "-profile", "loud", "x"}, stderr: `unknown profile "loud"`},
		{args: []string{"decode", "-profile", "loud", "x.wav"}, stderr: `unknown profile "loud"`},
	} {
		r := warble(t, nil, c.args...)
		r.want(t, 2, c.args...)
		if !strings.Contains(r.stderr, c.stderr) {
			t.Errorf("warble %q: stderr %q, want it to contain %q", c.args, r.stderr, c.stderr)
		}
		if !c.noError && !strings.Contains(r.stderr, "warble: error: ") {
			t.Errorf("warble %q: stderr %q lacks warble: error:", c.args, r.stderr)
		}
		if !c.unusual && !strings.HasPrefix(r.stderr, "warble: error: ") {
			t.Errorf("warble %q: stderr %q, want it to start with warble: error:", c.args, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("warble %q: stdout %q", c.args, r.stdout)
		}
	}
	// A payload from stdin that is too long is refused the same way.
	r := warble(t, strings.NewReader(long), "encode", "-")
	r.want(t, 2)
	if !strings.HasPrefix(r.stderr, "warble: error: payload is 141 bytes") {
		t.Errorf("141 bytes from stdin: stderr %q", r.stderr)
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	dir := t.TempDir()
	wav := filepath.Join(dir, "a.wav")
	var out, errb bytes.Buffer
	if code := run([]string{"encode", "hello", "-profile", "fast", "-o", wav}, nil, &out, &errb); code != 0 {
		t.Fatalf("encode with flags after PAYLOAD: exit %d, stderr %q", code, errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"decode", wav, "-json"}, nil, &out, &errb); code != 0 {
		t.Fatalf("decode with -json after FILE: exit %d, stderr %q", code, errb.String())
	}
	if !strings.Contains(out.String(), `"text":"hello"`) || !strings.Contains(out.String(), `"profile":"fast"`) {
		t.Fatalf("decode output %q lacks the JSON frame", out.String())
	}
	// After "--" everything is an argument, even what looks like a flag.
	errb.Reset()
	if code := run([]string{"encode", "-o", wav, "--", "-5", "-hex"}, nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "exactly one PAYLOAD (got 2)") {
		t.Fatalf("encode -- -5 -hex: exit %d, stderr %q; want exit 2 with two arguments", code, errb.String())
	}
}
