//go:build js && wasm

// Command wasm is warble's modem compiled for the browser (GOOS=js
// GOARCH=wasm). It installs a global object `warble` whose functions the
// pages in web/static call through web/static/warble.js:
//
//	warble.profiles(rate)                 [{name, family, lowHz, highHz, airtimeMs16, fits}]
//	warble.newReceiver(rate, name)        receiver handle ("auto" listens for every profile)
//	  .receive(Uint8Array of float32 LE)  [{payloadHex, profile, snrDb, startSample, skewPPM, hint}]
//	  .flush() / .reset() / .stats()
//	warble.encode(name, rate, Uint8Array) Uint8Array of float32 LE samples
//	warble.flashLevels(mode, Uint8Array)  Float64 levels, one per display refresh
//
// Samples cross the boundary as the bytes of a Float32Array, since
// syscall/js copies only byte arrays. Errors are returned as {error: text}
// rather than thrown, so the page can show them in words.
package main

import (
	"encoding/hex"
	"fmt"
	"math"
	"syscall/js"
	"unsafe"

	"warble/modem"
	"warble/optical"
)

func main() {
	w := js.Global().Get("Object").New()
	w.Set("profiles", js.FuncOf(profiles))
	w.Set("newReceiver", js.FuncOf(newReceiver))
	w.Set("encode", js.FuncOf(encode))
	w.Set("flashLevels", js.FuncOf(flashLevels))
	js.Global().Set("warble", w)
	if ready := js.Global().Get("warbleReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {} // keep the callbacks alive
}

func errValue(format string, args ...any) any {
	return map[string]any{"error": fmt.Sprintf(format, args...)}
}

// familyName names a profile's wire format for the page.
func familyName(f modem.Family) string {
	switch f {
	case modem.GGWave:
		return "ggwave"
	case modem.Bell:
		return "bell"
	}
	return "warble"
}

// profiles(rate) lists the profiles a page can pick (native and ggwave).
func profiles(_ js.Value, args []js.Value) any {
	rate := 48000
	if len(args) > 0 && args[0].Type() == js.TypeNumber {
		rate = args[0].Int()
	}
	var out []any
	for _, p := range modem.AutoProfiles() {
		lo, hi := p.BandHz()
		air, _ := p.Airtime(16)
		out = append(out, map[string]any{
			"name":        p.Name,
			"family":      familyName(p.Family),
			"lowHz":       lo,
			"highHz":      hi,
			"airtimeMs16": float64(air.Milliseconds()),
			"fits":        p.Validate(rate) == nil,
		})
	}
	return out
}

// bytesArg copies a Uint8Array argument into Go.
func bytesArg(v js.Value) ([]byte, error) {
	if v.Type() != js.TypeObject || !v.InstanceOf(js.Global().Get("Uint8Array")) {
		return nil, fmt.Errorf("want a Uint8Array")
	}
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b, nil
}

// floats reinterprets little-endian float32 bytes (wasm is little-endian;
// make aligns byte slices for any element type).
func floats(b []byte) []float32 {
	if len(b) < 4 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

func floatBytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), len(f)*4)
}

func toJSBytes(b []byte) js.Value {
	u := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u, b)
	return u
}

// frameValue describes f for the page; endSample is where the
// transmission ended (from its profile's airtime), for measuring how long
// after the end the page showed it.
func frameValue(f modem.Frame, rate int) map[string]any {
	end := f.StartSample
	if p, err := modem.Lookup(f.Profile); err == nil {
		if air, err := p.Airtime(len(f.Payload)); err == nil {
			end += int64(math.Round(air.Seconds() * float64(rate)))
		}
	}
	snr := f.SNR
	if math.IsNaN(snr) || math.IsInf(snr, 0) {
		snr = 0
	}
	return map[string]any{
		"payloadHex":  hex.EncodeToString(f.Payload),
		"profile":     f.Profile,
		"snrDb":       math.Round(snr*10) / 10,
		"startSample": float64(f.StartSample),
		"endSample":   float64(end),
		"skewPPM":     math.Round(f.SkewPPM),
		"hint":        f.Hint,
		"unverified":  f.Unverified,
	}
}

// newReceiver(rate, name) returns {receive, flush, reset, stats} or {error}.
func newReceiver(_ js.Value, args []js.Value) any {
	if len(args) < 1 || args[0].Type() != js.TypeNumber {
		return errValue("newReceiver needs a sample rate")
	}
	rate := args[0].Int()
	name := "auto"
	if len(args) > 1 && args[1].Type() == js.TypeString {
		name = args[1].String()
	}
	var ps []modem.Profile
	if name != "auto" {
		p, err := modem.Lookup(name)
		if err != nil {
			return errValue("%v", err)
		}
		ps = append(ps, p)
	}
	rx, err := modem.NewReceiver(rate, ps...)
	if err != nil {
		return errValue("%v", err)
	}
	var buf []byte
	var frames []modem.Frame
	result := func(fs []modem.Frame) any {
		out := make([]any, len(fs))
		for i, f := range fs {
			out[i] = frameValue(f, rate)
		}
		return out
	}
	h := js.Global().Get("Object").New()
	h.Set("receive", js.FuncOf(func(_ js.Value, a []js.Value) any {
		if len(a) < 1 || a[0].Type() != js.TypeObject {
			return errValue("receive needs the bytes of a Float32Array")
		}
		n := a[0].Get("length").Int()
		if n%4 != 0 {
			return errValue("receive got %d bytes, not whole float32 samples", n)
		}
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		js.CopyBytesToGo(buf, a[0])
		frames = rx.Receive(frames[:0], floats(buf))
		return result(frames)
	}))
	h.Set("flush", js.FuncOf(func(js.Value, []js.Value) any {
		frames = rx.Flush(frames[:0])
		return result(frames)
	}))
	h.Set("reset", js.FuncOf(func(js.Value, []js.Value) any {
		rx.Reset()
		return nil
	}))
	h.Set("stats", js.FuncOf(func(js.Value, []js.Value) any {
		s := rx.Stats()
		return map[string]any{
			"candidates":    float64(s.Candidates),
			"headerErrors":  float64(s.HeaderErrors),
			"payloadErrors": float64(s.PayloadErrors),
			"frames":        float64(s.Frames),
			"duplicates":    float64(s.Duplicates),
		}
	}))
	var names []any
	for _, p := range rx.Profiles() {
		names = append(names, p.Name)
	}
	h.Set("profiles", js.ValueOf(names))
	h.Set("sampleRate", rate)
	return h
}

// encode(name, rate, payload) returns the float32 bytes of the
// transmission, or {error}.
func encode(_ js.Value, args []js.Value) any {
	if len(args) < 3 || args[0].Type() != js.TypeString || args[1].Type() != js.TypeNumber {
		return errValue("encode needs a profile name, a sample rate and a payload")
	}
	p, err := modem.Lookup(args[0].String())
	if err != nil {
		return errValue("%v", err)
	}
	payload, err := bytesArg(args[2])
	if err != nil {
		return errValue("encode: payload: %v", err)
	}
	enc, err := modem.NewEncoder(p, args[1].Int())
	if err != nil {
		return errValue("%v", err)
	}
	s, err := enc.Encode(nil, payload)
	if err != nil {
		return errValue("%v", err)
	}
	return toJSBytes(floatBytes(s))
}

// flashLevels(mode, payload) returns the luminance levels, one per display
// refresh, or {error}.
func flashLevels(_ js.Value, args []js.Value) any {
	if len(args) < 2 || args[0].Type() != js.TypeString {
		return errValue("flashLevels needs a mode and a payload")
	}
	p, err := optical.Lookup(args[0].String())
	if err != nil {
		return errValue("%v", err)
	}
	payload, err := bytesArg(args[1])
	if err != nil {
		return errValue("flashLevels: payload: %v", err)
	}
	lv, err := p.Levels(nil, payload)
	if err != nil {
		return errValue("%v", err)
	}
	out := make([]any, len(lv))
	for i, l := range lv {
		out[i] = l
	}
	return out
}
