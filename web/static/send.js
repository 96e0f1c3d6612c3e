// send.js: text or hex → warble's encoder in WASM → WebAudio.
"use strict";

(() => {
	const $ = id => document.getElementById(id);
	const status = $("status"), error = $("error");
	const payloadEl = $("payload"), hexEl = $("hex"), select = $("profile"), play = $("play");
	const params = new URLSearchParams(location.search);
	let w = null, ctx = null, playing = null;

	if (params.has("hex")) { payloadEl.value = params.get("hex"); hexEl.checked = true; }
	else if (params.has("text")) payloadEl.value = params.get("text");

	function payload() {
		if (hexEl.checked) return Warble.hexToBytes(payloadEl.value);
		if (payloadEl.value === "") throw new Error("Type a payload to send.");
		return new TextEncoder().encode(payloadEl.value);
	}

	// samples encodes the payload at rate with the chosen profile, with 50 ms
	// of silence on each side so the speaker's ramp-up cuts no symbol.
	function samples(rate) {
		const body = Warble.bytesFloat(Warble.check(w.encode(select.value, rate, payload())));
		const pad = Math.round(rate * 0.05);
		const out = new Float32Array(body.length + 2 * pad);
		out.set(body, pad);
		return out;
	}

	// graph plays samples through ctx: the same for the speaker and for an
	// OfflineAudioContext rendering (which the tests decode).
	function graph(c, s) {
		const buf = c.createBuffer(1, s.length, c.sampleRate);
		buf.copyToChannel(s, 0);
		const src = c.createBufferSource();
		src.buffer = buf;
		src.connect(c.destination);
		src.start();
		return src;
	}

	// render returns what the page would play, rendered offline at rate.
	async function render(rate) {
		const s = samples(rate);
		const c = new OfflineAudioContext(1, s.length, rate);
		graph(c, s);
		const out = await c.startRendering();
		return out.getChannelData(0);
	}
	window.warbleSend = { render, samples: rate => samples(rate) };

	function describe() {
		Warble.show(error, "", "error");
		if (!w) return;
		try {
			const n = payload().length;
			const p = w.profiles(48000).find(p => p.name === select.value);
			$("airtime").textContent = n + " bytes with " + select.value + (p ? ", " + (p.lowHz / 1000).toFixed(1) + "–" + (p.highHz / 1000).toFixed(1) + " kHz" : "");
		} catch (e) {
			$("airtime").textContent = e.message;
		}
	}

	play.addEventListener("click", async () => {
		Warble.show(error, "", "error");
		try {
			if (!ctx) ctx = new AudioContext();
			if (ctx.state !== "running") await ctx.resume();
			const s = samples(ctx.sampleRate);
			if (playing) playing.stop();
			playing = graph(ctx, s);
			play.disabled = true;
			Warble.show(status, "Playing " + (s.length / ctx.sampleRate).toFixed(2) + " s at " + ctx.sampleRate + " Hz…");
			playing.onended = () => {
				playing = null;
				play.disabled = false;
				Warble.show(status, "Sent. Play again to repeat.");
			};
		} catch (e) {
			play.disabled = false;
			Warble.show(error, e.message, "error");
		}
	});
	payloadEl.addEventListener("input", describe);
	hexEl.addEventListener("change", describe);
	select.addEventListener("change", describe);

	Warble.load().then(mod => {
		w = mod;
		Warble.fillProfiles(select, w, 48000, false, params.get("profile") || "room");
		if (params.get("profile") && select.value !== params.get("profile")) {
			Warble.show(error, "Unknown profile " + JSON.stringify(params.get("profile")) + "; pick one from the list.", "error");
		}
		play.disabled = false;
		Warble.show(status, "Ready. Type a payload and press Play.");
		describe();
	}).catch(e => Warble.show(error, "Could not load warble: " + e.message, "error"));
})();
