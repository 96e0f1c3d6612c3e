package main

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"

	"warble/codec"
	"warble/optical"
)

const epilepsyWarning = "full mode flashes black and white up to 30 times a second and can trigger seizures in people with photosensitive epilepsy; use -mode safe near anyone who may be affected"

func cmdFlash(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("flash", stderr)
	mode := fs.String("mode", "full", "full (black to white) or safe (levels ≥ 0.8 of white, no WCAG 2.3.1 general flash)")
	refresh := fs.Float64("refresh", 60, "display refresh rate in Hz")
	isHex := fs.Bool("hex", false, "PAYLOAD is hex")
	levels := fs.Bool("levels", false, "print one luminance level in [0,1] per refresh, one a line")
	htmlOut := fs.String("html", "", "write a self-contained web page that flashes the payload to this file (- for stdout)")
	var ta typedArgs
	ta.add(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: warble flash [-mode full|safe] [-refresh 60] [-hex | -type TYPE [-json]] [-levels | -html out.html] PAYLOAD")
		fmt.Fprintln(stderr, "PAYLOAD is text, or hex with -hex; - reads it from stdin.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageErr("flash takes exactly one PAYLOAD (got %d)", fs.NArg())
	}
	if *levels == (*htmlOut != "") {
		return usageErr("flash needs exactly one of -levels and -html")
	}
	if !(*refresh >= 10 && *refresh <= 500) {
		return usageErr("refresh rate %g Hz is outside 10..500", *refresh)
	}
	p, err := optical.Lookup(*mode)
	if err != nil {
		return usageErr("unknown mode %q (want full or safe)", *mode)
	}
	typed, isTyped, err := ta.typed(fs.Arg(0), *isHex, stdin)
	if err != nil {
		return err
	}
	var payload []byte
	var lv []float64
	if isTyped {
		frames, err := typedFrames(typed, codec.MaxPayload)
		if err != nil {
			return err
		}
		for i, f := range frames {
			if i > 0 {
				for range int(frameGap.Seconds() * *refresh) {
					lv = append(lv, p.High)
				}
			}
			if lv, err = p.Levels(lv, f); err != nil {
				return err
			}
			payload = append(payload, f...)
		}
	} else {
		if payload, err = payloadArg(fs.Arg(0), *isHex, stdin); err != nil {
			return err
		}
		if lv, err = p.Levels(nil, payload); err != nil {
			return err
		}
	}
	if p.Name == optical.Full.Name {
		fmt.Fprintf(stderr, "warble: warning: %s\n", epilepsyWarning)
	}
	if *levels {
		w := bufio.NewWriter(stdout)
		for _, l := range lv {
			w.WriteString(strconv.FormatFloat(math.Round(l*1e6)/1e6, 'f', -1, 64))
			w.WriteByte('\n')
		}
		return w.Flush()
	}
	return writeOutput(*htmlOut, stdout, func(w io.Writer) error { return writeFlashPage(w, p, lv, *refresh, len(payload)) })
}

// srgbByte encodes linear luminance l in [0,1] as an 8-bit sRGB value.
func srgbByte(l float64) int {
	l = max(0, min(1, l))
	var c float64
	if l <= 0.0031308 {
		c = 12.92 * l
	} else {
		c = 1.055*math.Pow(l, 1/2.4) - 0.055
	}
	return int(math.Round(c * 255))
}

// writeFlashPage writes a page that shows one level per animation frame.
func writeFlashPage(w io.Writer, p optical.Profile, lv []float64, refresh float64, n int) error {
	grey := make([]int, len(lv))
	for i, l := range lv {
		grey[i] = srgbByte(l)
	}
	data := struct {
		Mode     string
		Full     bool
		Warning  string
		Refresh  float64
		Seconds  string
		Bytes    int
		Grey     []int
		IdleGrey int
	}{
		Mode:     p.Name,
		Full:     p.Name == optical.Full.Name,
		Warning:  epilepsyWarning,
		Refresh:  refresh,
		Seconds:  strconv.FormatFloat(float64(len(lv))/refresh, 'f', 1, 64),
		Bytes:    n,
		Grey:     grey,
		IdleGrey: srgbByte(p.High),
	}
	return flashPage.Execute(w, data)
}

var flashPage = template.Must(template.New("flash").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>warble flash ({{.Mode}})</title>
<style>
html, body { margin: 0; height: 100%; font: 18px/1.4 system-ui, sans-serif; }
body { background: #222; color: #eee; display: flex; align-items: center; justify-content: center; }
#panel { max-width: 36em; padding: 2em; text-align: center; }
#panel.hidden { display: none; }
.warn { background: #600; color: #fff; padding: 1em; border-radius: .5em; }
button { font-size: 1.4em; padding: .6em 1.6em; margin: 1em; }
#flash { position: fixed; inset: 0; display: none; cursor: pointer; }
</style>
</head>
<body>
<div id="panel">
{{if .Full}}<p class="warn"><strong>Photosensitive epilepsy warning.</strong> This page flashes black and white up to 30 times a second. It can trigger seizures. Do not start it near anyone who may be affected, and do not watch it yourself; use safe mode (<code>warble flash -mode safe</code>) instead.</p>
{{else}}<p>Safe mode: the screen stays bright (every level at least 80% of white) and flickers gently; it makes no general flash under WCAG 2.3.1.</p>
{{end}}<p>Hold the sensor or camera against the screen, then press Start. The page goes full screen and sends {{.Bytes}} bytes in {{.Seconds}} s at {{.Refresh}} Hz, repeating until you tap the screen.</p>
<p id="rate"></p>
<button id="start">Start</button>
</div>
<div id="flash"></div>
<script>
"use strict";
const grey = [{{range $i, $g := .Grey}}{{if $i}},{{end}}{{$g}}{{end}}];
const idle = {{.IdleGrey}};
const refresh = {{.Refresh}};
const gapFrames = Math.round(refresh); // one second of idle between repeats
const flash = document.getElementById("flash");
const panel = document.getElementById("panel");
const colours = grey.map(g => "rgb(" + g + "," + g + "," + g + ")");
const idleColour = "rgb(" + idle + "," + idle + "," + idle + ")";
let running = false;

function measure(done) {
	let n = 0, t0 = 0;
	function tick(t) {
		if (n === 0) t0 = t;
		if (++n < 61) { requestAnimationFrame(tick); return; }
		done(60000 / (t - t0));
	}
	requestAnimationFrame(tick);
}

function run() {
	let i = -gapFrames;
	function frame() {
		if (!running) return;
		flash.style.background = i >= 0 && i < colours.length ? colours[i] : idleColour;
		if (++i >= colours.length) i = -gapFrames;
		requestAnimationFrame(frame);
	}
	requestAnimationFrame(frame);
}

function stop() {
	running = false;
	flash.style.display = "none";
	panel.classList.remove("hidden");
	if (document.fullscreenElement) document.exitFullscreen();
}

document.getElementById("start").addEventListener("click", () => {
	panel.classList.add("hidden");
	flash.style.background = idleColour;
	flash.style.display = "block";
	if (flash.requestFullscreen) flash.requestFullscreen().catch(() => {});
	running = true;
	measure(hz => {
		document.getElementById("rate").textContent = Math.abs(hz / refresh - 1) > 0.05
			? "This display refreshes at about " + hz.toFixed(1) + " Hz, not " + refresh + " Hz: make the page again with -refresh " + Math.round(hz) + "."
			: "";
		if (Math.abs(hz / refresh - 1) > 0.05) { stop(); return; }
		run();
	});
});
flash.addEventListener("click", stop);
</script>
</body>
</html>
`))
