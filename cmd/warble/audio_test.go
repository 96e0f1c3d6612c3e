//go:build cgo

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"warble/internal/audio/audiotest"
)

// noLoop says why the sound-device tests skip; empty when they run.
var noLoop string

// TestMain gives this test process a PulseAudio null sink of its own:
// what send plays there, listen hears from its monitor.
//
// With WARBLE_TEST_MAIN=1 the test binary is warble itself, so a test can
// run it as a process and interrupt it.
func TestMain(m *testing.M) {
	if os.Getenv("WARBLE_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	cleanup, err := audiotest.Loop()
	if err != nil {
		noLoop = err.Error()
	}
	code := m.Run()
	if cleanup != nil {
		cleanup()
	}
	os.Exit(code)
}

func needLoop(t *testing.T) {
	t.Helper()
	if noLoop != "" {
		t.Skip("no PulseAudio loop: " + noLoop)
	}
}

// listener is 'warble listen' running in the background.
type listener struct {
	args        []string
	out, errOut lockedBuffer
	done        chan int
}

// startListen runs warble listen with args and returns once it is
// capturing (it has said so on stderr) or has exited.
func startListen(t *testing.T, args ...string) *listener {
	t.Helper()
	l := &listener{args: append([]string{"listen"}, args...), done: make(chan int, 1)}
	go func() { l.done <- run(l.args, strings.NewReader(""), &l.out, &l.errOut) }()
	deadline := time.After(20 * time.Second)
	for !strings.Contains(l.errOut.String(), "listening on") {
		select {
		case code := <-l.done:
			t.Fatalf("warble %s exited %d before listening\nstderr: %s", strings.Join(l.args, " "), code, l.errOut.String())
		case <-deadline:
			t.Fatalf("warble %s: not listening after 20 s\nstderr: %s", strings.Join(l.args, " "), l.errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return l
}

// wait returns listen's result once it has exited.
func (l *listener) wait(t *testing.T) result {
	t.Helper()
	select {
	case code := <-l.done:
		r := result{code: code, stdout: l.out.String(), stderr: l.errOut.String()}
		if strings.Contains(r.stderr, "internal error") || strings.Contains(r.stderr, "goroutine ") {
			t.Errorf("warble %s: %s", strings.Join(l.args, " "), r.stderr)
		}
		return r
	case <-time.After(60 * time.Second):
		t.Fatalf("warble %s did not exit\nstdout: %s\nstderr: %s", strings.Join(l.args, " "), l.out.String(), l.errOut.String())
	}
	return result{}
}

func send(t *testing.T, args ...string) {
	t.Helper()
	args = append([]string{"send"}, args...)
	r := warble(t, nil, args...)
	r.want(t, 0, args...)
	if r.stdout != "" || strings.Contains(r.stderr, "warning") {
		t.Errorf("warble %s printed %q, %q", strings.Join(args, " "), r.stdout, r.stderr)
	}
}

// TestSendListen is the main job: each backend chirps in each profile and
// listen hears it, printing the JSON line decode would print.
func TestSendListen(t *testing.T) {
	needLoop(t)
	for _, backend := range []string{"portaudio", "oto"} {
		for _, profile := range []string{"room", "audible", "ultrasonic"} {
			t.Run(fmt.Sprintf("backend=%s/profile=%s", backend, profile), func(t *testing.T) {
				payload := fmt.Sprintf("%s-%s-7-guitar", backend, profile)
				args := []string{"-profile", profile, "-timeout", "20s", "-count", "1", "-json"}
				rec := ""
				if backend == "portaudio" && profile == "audible" {
					rec = filepath.Join(t.TempDir(), "heard.wav")
					args = append(args, "-record", rec)
				}
				l := startListen(t, args...)
				send(t, "-backend", backend, "-profile", profile, payload)
				r := l.wait(t)
				r.want(t, 0, l.args...)
				lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
				if len(lines) != 1 {
					t.Fatalf("listen printed %d lines, want 1:\n%s", len(lines), r.stdout)
				}
				var j frameJSON
				if err := json.Unmarshal([]byte(lines[0]), &j); err != nil {
					t.Fatalf("listen -json line %q: %v", lines[0], err)
				}
				if j.Text == nil || *j.Text != payload || j.Profile != profile || j.File == "" {
					t.Errorf("listen heard %s, want %q in %s", lines[0], payload, profile)
				}
				t.Logf("%s", lines[0])
				if rec == "" {
					return
				}
				// What listen recorded holds the same transmission.
				frames, dr := decodeJSON(t, nil, rec)
				dr.want(t, 0, "decode", rec)
				if len(frames) != 1 || frames[0]["text"] != payload {
					t.Errorf("decode of the recording: %v, want %q", frames, payload)
				}
			})
		}
	}
}

// TestListenHearsTwoInARow sends two payloads one after the other, one with
// each backend, to one listen -count 2.
func TestListenHearsTwoInARow(t *testing.T) {
	needLoop(t)
	l := startListen(t, "-profile", "auto", "-timeout", "30s", "-count", "2")
	send(t, "-backend", "portaudio", "first-token")
	send(t, "-backend", "oto", "-profile", "audible", "second-token")
	r := l.wait(t)
	r.want(t, 0, l.args...)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], "\tfirst-token") || !strings.HasSuffix(lines[1], "\tsecond-token") {
		t.Fatalf("listen -count 2 printed:\n%s\nwant first-token then second-token", r.stdout)
	}
	for _, line := range lines {
		if f := strings.Split(line, "\t"); len(f) != 5 || !strings.HasPrefix(f[3], "snr ") {
			t.Errorf("line %q is not the text line decode prints", line)
		}
	}
	// The first went out in the default profile, the second in audible.
	for i, want := range []string{"\troom\t", "\taudible\t"} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %q, want profile %s", lines[i], strings.Trim(want, "\t"))
		}
	}
}

// TestListenRepeat hears -repeat 3 as three frames.
func TestListenRepeat(t *testing.T) {
	needLoop(t)
	l := startListen(t, "-profile", "room", "-timeout", "30s", "-count", "3", "-json")
	send(t, "-repeat", "3", "-gap", "300ms", "-hex", "00ff10")
	r := l.wait(t)
	r.want(t, 0, l.args...)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("listen -count 3 printed:\n%s\nwant three frames", r.stdout)
	}
	for _, line := range lines {
		if !strings.Contains(line, `"payload_hex":"00ff10"`) {
			t.Errorf("line %q: want payload 00ff10", line)
		}
	}
}

func TestListenTimeout(t *testing.T) {
	needLoop(t)
	l := startListen(t, "-profile", "ultrasonic", "-timeout", "1s")
	r := l.wait(t)
	r.want(t, 1, l.args...)
	if r.stdout != "" || !strings.Contains(r.stderr, "warble: error: timed out after 1s with nothing heard") {
		t.Errorf("listen -timeout 1s in silence: stdout %q, stderr %q", r.stdout, r.stderr)
	}
}

func TestWrongDevice(t *testing.T) {
	needLoop(t)
	for _, args := range [][]string{
		{"listen", "-device", "no-such-device", "-timeout", "1s"},
		{"send", "-device", "no-such-device", "x"},
		{"send", "-backend", "oto", "-device", "no-such-device", "x"},
		{"listen", "-device", "999", "-timeout", "1s"},
	} {
		r := warble(t, nil, args...)
		r.want(t, 2, args...)
		name := args[2]
		if args[2] == "oto" {
			name = args[4]
		}
		if !strings.Contains(r.stderr, "warble: error: ") || !strings.Contains(r.stderr, "cannot open") ||
			!strings.Contains(r.stderr, `"`+name+`"`) || !strings.Contains(r.stderr, "warble: hint: run 'warble devices'") {
			t.Errorf("warble %s: stderr %q, want an error naming %q and a hint", strings.Join(args, " "), r.stderr, name)
		}
	}
}

func TestDevices(t *testing.T) {
	needLoop(t)
	r := warble(t, nil, "devices")
	r.want(t, 0, "devices")
	if !strings.HasPrefix(r.stdout, "INDEX  NAME") || !strings.Contains(r.stdout, "* input") || !strings.Contains(r.stdout, "output") {
		t.Errorf("devices printed:\n%s\nwant a table with the defaults marked", r.stdout)
	}
}

// TestListenInterrupted stops listen with Ctrl-C (SIGINT), once after it
// heard a frame and once before: it exits 0 and 1, its recording complete.
func TestListenInterrupted(t *testing.T) {
	needLoop(t)
	exe, err := os.Executable()
	if err != nil {
		t.Skip("cannot find the test binary: ", err)
	}
	for _, heard := range []bool{true, false} {
		t.Run(fmt.Sprintf("heard=%v", heard), func(t *testing.T) {
			rec := filepath.Join(t.TempDir(), "heard.wav")
			cmd := exec.Command(exe, "listen", "-profile", "room", "-timeout", "30s", "-record", rec)
			cmd.Env = append(os.Environ(), "WARBLE_TEST_MAIN=1")
			var out, errOut lockedBuffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			waitFor := func(b *lockedBuffer, s string) {
				for !strings.Contains(b.String(), s) {
					if time.Now().After(deadline) {
						cmd.Process.Kill()
						t.Fatalf("no %q from listen\nstdout: %s\nstderr: %s", s, out.String(), errOut.String())
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			waitFor(&errOut, "listening on")
			if heard {
				send(t, "ctrl-c")
				waitFor(&out, "\tctrl-c\n")
			}
			cmd.Process.Signal(os.Interrupt)
			err := cmd.Wait()
			code := cmd.ProcessState.ExitCode()
			switch {
			case heard && code != 0, !heard && code != 1:
				t.Fatalf("listen interrupted (heard=%v): %v\nstdout: %s\nstderr: %s", heard, err, out.String(), errOut.String())
			case !heard && !strings.Contains(errOut.String(), "warble: error: interrupted with nothing heard"):
				t.Errorf("stderr %q, want it to say it was interrupted", errOut.String())
			}
			frames, r := decodeJSON(t, nil, rec)
			if heard {
				r.want(t, 0, "decode", rec)
				if len(frames) != 1 || frames[0]["text"] != "ctrl-c" {
					t.Errorf("decode of the recording: %v, want ctrl-c", frames)
				}
			} else {
				r.want(t, 1, "decode", rec) // a complete WAV file, of silence
			}
		})
	}
}

// TestSendListenPlainNullSink chirps through a null sink loaded without
// norewinds=1, which renders ahead while idle and rewinds when a stream
// starts, with listen and send started at the same moment, as separate
// processes (oto's output, once opened, stays on one sink per process).
func TestSendListenPlainNullSink(t *testing.T) {
	needLoop(t)
	exe, err := os.Executable()
	if err != nil {
		t.Skip("cannot find the test binary: ", err)
	}
	sink, unload, err := audiotest.PlainSink()
	if err != nil {
		t.Fatal(err)
	}
	defer unload()
	for _, backend := range []string{"portaudio", "oto"} {
		t.Run("backend="+backend, func(t *testing.T) {
			payload := backend + "-plain-sink"
			listen := exec.Command(exe, "listen", "-profile", "audible", "-timeout", "20s", "-count", "1", "-json")
			listen.Env = append(os.Environ(), "WARBLE_TEST_MAIN=1", "PULSE_SOURCE="+sink+".monitor")
			var out, errOut lockedBuffer
			listen.Stdout, listen.Stderr = &out, &errOut
			if err := listen.Start(); err != nil {
				t.Fatal(err)
			}
			send := exec.Command(exe, "send", "-backend", backend, "-profile", "audible", payload)
			send.Env = append(os.Environ(), "WARBLE_TEST_MAIN=1", "PULSE_SINK="+sink)
			if msg, err := send.CombinedOutput(); err != nil {
				listen.Process.Kill()
				listen.Wait()
				t.Fatalf("warble send -backend %s: %v\n%s", backend, err, msg)
			}
			if err := listen.Wait(); err != nil {
				t.Fatalf("warble listen: %v\nstdout: %s\nstderr: %s", err, out.String(), errOut.String())
			}
			var j frameJSON
			if err := json.Unmarshal([]byte(strings.TrimSpace(out.String())), &j); err != nil {
				t.Fatalf("listen -json printed %q: %v", out.String(), err)
			}
			if j.Text == nil || *j.Text != payload {
				t.Errorf("listen heard %s, want %q", out.String(), payload)
			}
		})
	}
}
