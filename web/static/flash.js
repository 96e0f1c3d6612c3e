// flash.js: the optical flasher. Each requestAnimationFrame callback shows
// the next luminance level from warble's optical encoder (in WASM). A frame
// the browser skipped (a callback more than 1.5 refresh periods after the
// one before) corrupts the symbol being shown, so the page counts it and
// starts the transmission again.
"use strict";

(() => {
	const $ = id => document.getElementById(id);
	const status = $("status"), error = $("error"), report = $("report");
	const payloadEl = $("payload"), hexEl = $("hex"), mode = $("mode"), startBtn = $("start"), screen = $("screen");
	const params = new URLSearchParams(location.search);
	let w = null;

	// The tests read timestamps and levels shown here.
	const page = window.warbleFlash = { log: [], dropped: 0, periodMs: 0, running: false, repeats: 0 };

	if (params.has("hex")) { payloadEl.value = params.get("hex"); hexEl.checked = true; }
	else if (params.has("text")) payloadEl.value = params.get("text");

	function srgb(l) {
		l = Math.max(0, Math.min(1, l));
		const c = l <= 0.0031308 ? 12.92 * l : 1.055 * Math.pow(l, 1 / 2.4) - 0.055;
		const g = Math.round(c * 255);
		return "rgb(" + g + "," + g + "," + g + ")";
	}

	function payload() {
		if (hexEl.checked) return Warble.hexToBytes(payloadEl.value);
		if (payloadEl.value === "") throw new Error("Type a payload to flash.");
		return new TextEncoder().encode(payloadEl.value);
	}

	function updateMode() {
		const full = mode.value === "full";
		$("fullwarn").hidden = !full;
		startBtn.disabled = !w || (full && !$("understood").checked);
	}

	// measure times 30 refreshes to learn the display's period.
	function measure() {
		return new Promise(resolve => {
			const t = [];
			function tick(ts) {
				t.push(ts);
				if (t.length < 31) { requestAnimationFrame(tick); return; }
				const d = [];
				for (let i = 1; i < t.length; i++) d.push(t[i] - t[i - 1]);
				d.sort((a, b) => a - b);
				resolve(d[d.length >> 1]);
			}
			requestAnimationFrame(tick);
		});
	}

	function stop() {
		page.running = false;
		screen.style.display = "none";
		if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
		startBtn.disabled = false;
	}

	async function start() {
		Warble.show(error, "", "error");
		let levels;
		try {
			levels = Warble.check(w.flashLevels(mode.value, payload()));
		} catch (e) {
			Warble.show(error, e.message, "error");
			return;
		}
		const colours = levels.map(srgb);
		const idle = srgb(1); // both modes rest at their top level, white
		screen.style.background = idle;
		screen.style.display = "block";
		if (screen.requestFullscreen) screen.requestFullscreen().catch(() => {});
		startBtn.disabled = true;
		page.log = [];
		page.dropped = 0;
		page.repeats = 0;
		page.levels = levels;
		page.running = true;
		const period = await measure();
		page.periodMs = period;
		const hz = 1000 / period;
		const rest = Math.round(hz); // a second between repeats
		Warble.show(status, "Flashing " + levels.length + " refreshes (" + (levels.length / hz).toFixed(1) + " s) at " + hz.toFixed(1) + " Hz, " + mode.value + " mode. Tap the screen to stop.");
		let i = -rest, last = 0;
		function frame(ts) {
			if (!page.running) return;
			if (last && ts - last > 1.5 * period) {
				const missed = Math.round((ts - last) / period) - 1;
				page.dropped += missed;
				report.dataset.dropped = String(page.dropped);
				report.textContent = page.dropped + " dropped frame(s) so far; each restarts the transmission. Close other tabs or apps if this keeps rising.";
				if (i >= 0) i = -rest; // the symbol on screen was cut short
			}
			last = ts;
			const shown = i >= 0 && i < colours.length ? i : -1;
			screen.style.background = shown >= 0 ? colours[shown] : idle;
			page.log.push([ts, shown >= 0 ? levels[shown] : 1, shown]);
			report.dataset.shown = String(page.log.length);
			if (++i >= colours.length) { i = -rest; page.repeats++; }
			requestAnimationFrame(frame);
		}
		requestAnimationFrame(frame);
	}

	mode.addEventListener("change", updateMode);
	$("understood").addEventListener("change", updateMode);
	startBtn.addEventListener("click", start);
	screen.addEventListener("click", stop);
	if (params.get("mode") === "full") mode.value = "full";

	Warble.load().then(mod => {
		w = mod;
		updateMode();
		Warble.show(status, "Ready. Safe mode keeps every level at or above 80% of white.");
	}).catch(e => Warble.show(error, "Could not load warble: " + e.message, "error"));
})();
