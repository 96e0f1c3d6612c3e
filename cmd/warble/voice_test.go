//go:build cgo

package main

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"warble/internal/audio/audiotest"
	"warble/internal/channel"
	"warble/internal/wav"
	"warble/modem"
)

// livingRoomWAV writes payload, sent twice with profile p at 48 kHz, as heard
// 2 m from the speaker in the simulated living room (6×5×2.6 m, RT60
// 0.6 s): the loudspeaker at 70 dB SPL at 1 m through a phone speaker's
// 350 Hz highpass, 50 dB(A) of speech babble.
func livingRoomWAV(t *testing.T, p modem.Profile, payload string) string {
	t.Helper()
	const rate = 48000
	e, err := modem.NewEncoder(p, rate)
	if err != nil {
		t.Fatal(err)
	}
	x, err := e.Encode(make([]float32, rate/2), []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	// Twice, a second apart: a capture that drops a buffer under load loses
	// one transmission, not the test.
	x = append(x, make([]float32, rate)...)
	x = append(x, x[rate/2:]...)
	scene := channel.Scene{Room: channel.LivingRoom, DistanceM: 2, SpeakerSPL: 70, MicFullScaleSPL: channel.DefaultMicFullScaleSPL,
		Ambient: channel.AmbientBabble, AmbientDBA: 50, Speaker: channel.PhoneSpeaker, Mic: channel.Flat}
	y, err := scene.Apply(x, rate, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), p.Name+".wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := wav.Encode(f, y, rate); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestListenVoiceProcessed plays a living-room recording of a token into the
// loop and listens through WebRTC voice processing (echo cancellation, noise
// suppression, automatic gain), as a phone or a browser captures by default:
// the default and the inaudible profile come through.
func TestListenVoiceProcessed(t *testing.T) {
	needLoop(t)
	exe, err := os.Executable()
	if err != nil {
		t.Skip("cannot find the test binary: ", err)
	}
	if _, err := exec.LookPath("paplay"); err != nil {
		t.Fatal("paplay is not installed (Debian: pulseaudio-utils; bash scripts/setup-audio.sh installs it)")
	}
	source, unload, err := audiotest.VoiceProcessed()
	if err != nil {
		t.Fatal(err)
	}
	defer unload()
	for _, p := range []modem.Profile{modem.Room, modem.Ultrasonic} {
		t.Run("profile="+p.Name, func(t *testing.T) {
			payload := "vp-" + p.Name + "-2m"
			rec := livingRoomWAV(t, p, payload)
			listen := exec.Command(exe, "listen", "-profile", p.Name, "-timeout", "20s", "-count", "1", "-json")
			listen.Env = append(os.Environ(), "WARBLE_TEST_MAIN=1", "PULSE_SOURCE="+source)
			var out, errOut lockedBuffer
			listen.Stdout, listen.Stderr = &out, &errOut
			if err := listen.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(15 * time.Second)
			for !strings.Contains(errOut.String(), "listening on") && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if msg, err := exec.Command("paplay", rec).CombinedOutput(); err != nil {
				listen.Process.Kill()
				listen.Wait()
				t.Fatalf("paplay %s: %v\n%s", rec, err, msg)
			}
			if err := listen.Wait(); err != nil {
				t.Fatalf("warble listen through voice processing: %v\nstdout: %s\nstderr: %s", err, out.String(), errOut.String())
			}
			var j frameJSON
			if err := json.Unmarshal([]byte(strings.TrimSpace(out.String())), &j); err != nil {
				t.Fatalf("listen -json printed %q: %v", out.String(), err)
			}
			if j.Text == nil || *j.Text != payload || j.Profile != p.Name {
				t.Errorf("listen heard %s, want %q in %s", out.String(), payload, p.Name)
			}
			t.Logf("%s", strings.TrimSpace(out.String()))
		})
	}
}
