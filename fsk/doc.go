// Package fsk turns symbols into continuous-phase M-ary FSK audio and back
// into per-tone energies.
//
// It is the sample-level half of warble's modem and knows nothing of frames
// or error correction (package codec) or of profiles (package modem).
//
// The transmitter, [Modulator], holds tone k of symbol i for the symbol
// duration T, with a phase that never jumps; the instantaneous frequency moves
// from one tone to the next along a raised-cosine curve over a short
// transition, and the burst fades in and out with raised-cosine ramps:
//
//	φ[n+1] = φ[n] + 2π·f(n/fs)/fs
//	x[n]   = A·a(n/fs)·sin φ[n]
//
// Tones are spaced by a whole multiple of 1/T, so over one symbol they are
// orthogonal and a noncoherent receiver needs no carrier phase.
//
// The receiver side is built from three pieces that run on any sample rate:
// a [Downconverter] that mixes a band to complex baseband and decimates it
// with a windowed-sinc FIR filter, an [FFT] used for a cheap spectrogram when
// searching for a preamble, and a [ToneBank] that measures the energy of a
// set of tones over one symbol window at exact (skew-corrected) frequencies —
// the Goertzel statistic, evaluated as a direct correlation:
//
//	E_k = |Σ_n z[n]·exp(−j2π f_k n / fs)|²
//
// [Goertzel] does the same for a single tone on real samples. [Metrics]
// turns energies into soft information: per-tone log-likelihoods for
// noncoherent detection, given the noise floor estimated from idle bins,
//
//	L_k = log I0(2·√(Es·E_k) / N0)
//
// On amd64 the innermost loops — the mixer's integrate and dump, the FFT's
// butterflies, the tone bank's correlations and the coarse decimation — are
// SSE2 assembly, which every amd64 processor has; other architectures run
// the same arithmetic in Go, and the tests hold the two to each other.
//
// None of the types in this package is safe for concurrent use; use one per
// goroutine.
package fsk
