// Package audiotest gives tests a private loop from speaker to microphone:
// a PulseAudio null sink of their own, whose monitor is what they capture.
//
// Tests that play and capture call [Loop] from TestMain. It starts a
// PulseAudio server with scripts/setup-audio.sh's settings when none
// answers, loads a null sink named for the test process, and points this
// process's PulseAudio clients at it through PULSE_SINK and PULSE_SOURCE
// (which libpulse, and so ALSA's pulse plugin, PortAudio and oto, obey). Test
// binaries running at the same time thus never hear each other.
package audiotest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Loop makes sure a PulseAudio server runs, loads a null sink for this
// process and routes the process's playback to it and its capture from its
// monitor. It returns a function that unloads the sink, or an error saying
// why no loop could be made (for the tests to skip with).
func Loop() (cleanup func(), err error) {
	if _, err := exec.LookPath("pactl"); err != nil {
		return nil, errors.New("pactl is not installed (Debian: pulseaudio-utils; bash scripts/setup-audio.sh installs it)")
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			// As scripts/setup-audio.sh: a missing runtime directory
			// would leave clients looking for the server's socket there.
			os.Unsetenv("XDG_RUNTIME_DIR")
		}
	}
	if err := pactl("info"); err != nil {
		if err := startServer(); err != nil {
			return nil, err
		}
	}
	unloadStale()
	name := fmt.Sprintf("%s%d", sinkPrefix, os.Getpid())
	out, err := exec.Command("pactl", "load-module", "module-null-sink", "sink_name="+name,
		"rate=48000", "format=float32le", "channels=1", "norewinds=1",
		"sink_properties=device.description="+name).Output()
	if err != nil {
		return nil, fmt.Errorf("loading a null sink: pactl load-module module-null-sink: %v", err)
	}
	module := strings.TrimSpace(string(out))
	os.Setenv("PULSE_SINK", name)
	os.Setenv("PULSE_SOURCE", name+".monitor")
	return func() { pactl("unload-module", module) }, nil
}

// sinkPrefix begins the name of each test process's null sink; the process
// id follows.
const sinkPrefix = "warble-test-"

// unloadStale unloads the null sinks of test processes that are gone
// without unloading theirs (killed, or crashed).
func unloadStale() {
	out, err := exec.Command("pactl", "list", "short", "modules").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[1] != "module-null-sink" {
			continue
		}
		for _, arg := range f[2:] {
			pid, ok := strings.CutPrefix(arg, "sink_name="+sinkPrefix)
			if !ok {
				continue
			}
			if _, err := os.Stat("/proc/" + pid); errors.Is(err, fs.ErrNotExist) {
				pactl("unload-module", f[0])
			}
		}
	}
}

// startServer starts PulseAudio as scripts/setup-audio.sh does.
func startServer() error {
	if _, err := exec.LookPath("pulseaudio"); err != nil {
		return errors.New("no PulseAudio server answers and pulseaudio is not installed (bash scripts/setup-audio.sh installs and starts it)")
	}
	cmd := exec.Command("pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "-n", "--use-pid-file=yes",
		"--load=module-native-protocol-unix",
		"--load=module-null-sink sink_name=warble-loop rate=48000 format=float32le channels=1 norewinds=1",
		"--load=module-always-sink")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("starting PulseAudio: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	for range 50 {
		if pactl("info") == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("PulseAudio was started but does not answer pactl info")
}

func pactl(args ...string) error {
	return exec.Command("pactl", args...).Run()
}

// PlainSink loads a null sink as PulseAudio's own documentation starts one,
// without norewinds=1: a sink that renders ahead while idle and rewinds when
// a stream starts. It returns the sink's name (its monitor is name +
// ".monitor") and a function that unloads it. [Loop] must have succeeded.
func PlainSink() (name string, cleanup func(), err error) {
	name = fmt.Sprintf("warble-plain-%d", os.Getpid())
	out, err := exec.Command("pactl", "load-module", "module-null-sink", "sink_name="+name,
		"sink_properties=device.description="+name).Output()
	if err != nil {
		return "", nil, fmt.Errorf("loading a plain null sink: pactl load-module module-null-sink: %v", err)
	}
	module := strings.TrimSpace(string(out))
	return name, func() { pactl("unload-module", module) }, nil
}

// VoiceProcessed loads PulseAudio's echo canceller with WebRTC's voice
// processing (echo cancellation, noise suppression, automatic gain control
// and its high-pass filter, as phones and browsers capture by default) over
// this process's loop: its microphone is the loop's monitor, and its far-end
// reference a silent null sink of its own, as for a phone that hears a token
// it is not playing. It returns the processed source's name and a function
// that unloads both modules. [Loop] must have succeeded.
func VoiceProcessed() (source string, cleanup func(), err error) {
	mic := os.Getenv("PULSE_SOURCE")
	if mic == "" {
		return "", nil, errors.New("no loop: call Loop first")
	}
	ref := fmt.Sprintf("warble-vpref-%d", os.Getpid())
	out, err := exec.Command("pactl", "load-module", "module-null-sink", "sink_name="+ref,
		"rate=48000", "channels=1", "sink_properties=device.description="+ref).Output()
	if err != nil {
		return "", nil, fmt.Errorf("loading the reference sink: pactl load-module module-null-sink: %v", err)
	}
	refModule := strings.TrimSpace(string(out))
	source = fmt.Sprintf("warble-vp-%d", os.Getpid())
	out, err = exec.Command("pactl", "load-module", "module-echo-cancel",
		"source_master="+mic, "sink_master="+ref, "source_name="+source, "sink_name="+source+"-play",
		"rate=48000", "channels=1", "aec_method=webrtc",
		`aec_args="noise_suppression=1 analog_gain_control=0 digital_gain_control=1 high_pass_filter=1"`).Output()
	if err != nil {
		pactl("unload-module", refModule)
		return "", nil, fmt.Errorf("loading WebRTC voice processing: pactl load-module module-echo-cancel aec_method=webrtc: %v", err)
	}
	module := strings.TrimSpace(string(out))
	return source, func() {
		pactl("unload-module", module)
		pactl("unload-module", refModule)
	}, nil
}
