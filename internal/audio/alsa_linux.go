//go:build cgo && linux

package audio

/*
#cgo pkg-config: alsa
#include <alsa/asoundlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static void warble_alsa_silent(const char *file, int line, const char *function, int err, const char *fmt, ...) {}

static void warble_quiet_alsa(void) { snd_lib_error_set_handler(warble_alsa_silent); }

static int warble_hide_stderr(void) {
	fflush(stderr);
	int saved = dup(2);
	int null = open("/dev/null", O_WRONLY);
	if (saved < 0 || null < 0) {
		if (null >= 0) close(null);
		return saved;
	}
	dup2(null, 2);
	close(null);
	return saved;
}

static void warble_restore_stderr(int saved) {
	if (saved < 0) return;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}
*/
import "C"

import "sync"

var quietOnce sync.Once

// quietALSA stops ALSA printing to stderr while PortAudio probes devices
// that do not exist (every card of a machine without one); the errors that
// matter come back as PortAudio's and oto's errors.
func quietALSA() { quietOnce.Do(func() { C.warble_quiet_alsa() }) }

// withoutStderr runs f with the process's stderr pointed at /dev/null: the
// JACK client library that PortAudio loads prints its failure to find a
// JACK server there, on every machine without one, and offers no switch.
func withoutStderr(f func()) {
	saved := C.warble_hide_stderr()
	defer C.warble_restore_stderr(saved)
	f()
}
