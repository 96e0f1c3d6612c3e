// listen.js: microphone → AudioWorklet → warble's receiver in WASM.
"use strict";

(() => {
	const $ = id => document.getElementById(id);
	const status = $("status"), error = $("error"), warning = $("warning");
	const select = $("profile"), startBtn = $("start");
	const params = new URLSearchParams(location.search);

	// state the tests and the latency benchmark read
	const page = window.warbleListen = { frames: [], samples: 0, rate: 0, running: false, stats: null, error: null };

	let w = null, ctx = null, rx = null, stream = null, node = null, analyser = null;

	function fail(text) {
		page.error = text;
		Warble.show(error, text, "error");
		status.textContent = "";
		status.className = "msg";
	}

	function addFrame(f, latencyMs) {
		const li = document.createElement("li");
		li.className = "frame";
		li.dataset.payloadHex = f.payloadHex;
		li.dataset.profile = f.profile;
		li.dataset.snrDb = String(f.snrDb);
		li.dataset.startSample = String(f.startSample);
		li.dataset.latencyMs = latencyMs.toFixed(1);
		const text = Warble.printable(f.payloadHex);
		const t = document.createElement("div");
		t.className = "text" + (text === null ? " mono" : "");
		t.textContent = text === null ? f.payloadHex : text;
		const m = document.createElement("div");
		m.className = "meta";
		m.textContent = f.profile + " · SNR " + f.snrDb.toFixed(1) + " dB · " + (f.payloadHex.length / 2) + " bytes" +
			(text === null ? "" : " · hex " + f.payloadHex) + (f.hint ? " · " + f.hint : "");
		li.append(t, m);
		$("frames").appendChild(li);
		page.frames.push(Object.assign({ latencyMs }, f));
	}

	function makeReceiver() {
		rx = Warble.check(w.newReceiver(ctx.sampleRate, select.value));
		page.samples = 0;
	}

	// onBlock runs the receiver on one block from the worklet.
	function onBlock(ev) {
		if (!rx) return;
		const arrived = performance.now();
		const block = ev.data.samples;
		page.samples += block.length;
		// Set warbleListen.record = [] to keep every block heard, to see what
		// the capture delivered when a token is missed.
		if (page.record) page.record.push(Array.from(block));
		let sum = 0;
		for (let i = 0; i < block.length; i++) sum += block[i] * block[i];
		level(Math.sqrt(sum / block.length));
		let frames;
		try {
			frames = Warble.check(rx.receive(Warble.floatBytes(block)));
		} catch (e) {
			fail("The receiver failed: " + e.message);
			return;
		}
		for (const f of frames) {
			// The block's last sample came in (page.samples - endSample) samples
			// after the transmission ended; add the time spent here since.
			const late = (page.samples - f.endSample) / ctx.sampleRate * 1000;
			addFrame(f, Math.max(0, late) + (performance.now() - arrived));
		}
		page.stats = rx.stats();
	}

	let shownLevel = 0;
	function level(rms) {
		const db = rms > 0 ? 20 * Math.log10(rms) : -120;
		shownLevel = Math.max(db, shownLevel - 1.5);
		$("meter").firstElementChild.style.width = Math.max(0, Math.min(100, (shownLevel + 60) / 60 * 100)) + "%";
		$("level").textContent = "level " + (db < -100 ? "silent" : db.toFixed(0) + " dBFS");
	}

	// The spectrogram scrolls left one column per animation frame.
	function drawSpectrogram() {
		if (!analyser) return;
		const c = $("spectrogram"), g = c.getContext("2d");
		const bins = new Uint8Array(analyser.frequencyBinCount);
		const col = g.createImageData(1, c.height);
		function frame() {
			if (!page.running) return;
			analyser.getByteFrequencyData(bins);
			for (let y = 0; y < c.height; y++) {
				const v = bins[Math.floor((c.height - 1 - y) / c.height * bins.length)];
				const o = 4 * y;
				col.data[o] = Math.min(255, v * 1.6);
				col.data[o + 1] = Math.max(0, v * 1.6 - 150);
				col.data[o + 2] = v < 90 ? v * 1.5 : Math.max(0, 255 - v);
				col.data[o + 3] = 255;
			}
			g.drawImage(c, -1, 0);
			g.putImageData(col, c.width - 1, 0);
			requestAnimationFrame(frame);
		}
		requestAnimationFrame(frame);
	}

	async function start() {
		const insecure = Warble.secureContextError();
		if (insecure) { fail(insecure); return; }
		if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
			fail("This browser offers no microphone access (navigator.mediaDevices is missing)."); return;
		}
		if (typeof AudioWorkletNode !== "function") {
			fail("This browser has no AudioWorklet, which warble needs to hear the microphone."); return;
		}
		startBtn.disabled = true;
		Warble.show(status, "Asking for the microphone…");
		try {
			stream = await navigator.mediaDevices.getUserMedia({ audio: {
				echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: { ideal: 1 },
			} });
		} catch (e) {
			startBtn.disabled = false;
			fail(Warble.micError(e));
			return;
		}
		const track = stream.getAudioTracks()[0];
		const s = track.getSettings ? track.getSettings() : {};
		const kept = ["echoCancellation", "noiseSuppression", "autoGainControl"].filter(k => s[k] === true);
		if (kept.length) {
			Warble.show(warning, "The browser kept " + kept.join(", ") + " switched on although warble asked for it off: it can smear or cut the tones. Use another browser, or turn the voice processing off in the system's settings.", "warning");
		} else if (!track.getSettings) {
			Warble.show(warning, "This browser cannot say whether echo cancellation is off; if tokens are not heard, try another browser.", "warning");
		}
		try {
			ctx = new AudioContext({ latencyHint: "interactive" });
			await ctx.audioWorklet.addModule("/worklet.js");
			const src = ctx.createMediaStreamSource(stream);
			node = new AudioWorkletNode(ctx, "warble-tap", { numberOfInputs: 1, numberOfOutputs: 0 });
			analyser = ctx.createAnalyser();
			analyser.fftSize = 1024;
			analyser.smoothingTimeConstant = 0;
			analyser.minDecibels = -110;
			analyser.maxDecibels = -20;
			src.connect(node);
			src.connect(analyser);
			Warble.fillProfiles(select, w, ctx.sampleRate, true);
			makeReceiver();
			node.port.onmessage = onBlock;
			if (ctx.state !== "running") await ctx.resume();
		} catch (e) {
			fail("Could not start the audio processing: " + e.message);
			return;
		}
		page.rate = ctx.sampleRate;
		$("rate").textContent = ctx.sampleRate + " Hz, " + (s.channelCount || 1) + " channel(s) from " + (track.label || "the microphone");
		page.running = true;
		if (ctx.state !== "running") {
			startBtn.disabled = false;
			startBtn.textContent = "Tap to start listening";
			Warble.show(status, "The browser wants a tap before it plays audio: press the button.");
			return;
		}
		startBtn.textContent = "Listening";
		Warble.show(status, "Listening with " + select.value + ". Play a token near the microphone.");
		drawSpectrogram();
	}

	select.addEventListener("change", () => {
		if (!ctx) return;
		try {
			makeReceiver();
			Warble.show(status, "Listening with " + select.value + ".");
		} catch (e) { fail(e.message); }
	});
	startBtn.addEventListener("click", async () => {
		if (ctx && ctx.state !== "running") {
			await ctx.resume();
			if (ctx.state === "running") {
				startBtn.disabled = true;
				startBtn.textContent = "Listening";
				Warble.show(status, "Listening with " + select.value + ". Play a token near the microphone.");
				drawSpectrogram();
			}
			return;
		}
		start();
	});

	Warble.load().then(mod => {
		w = mod;
		Warble.fillProfiles(select, w, 48000, true, params.get("profile") || "auto");
		startBtn.disabled = false;
		Warble.show(status, "Ready. Press Start to listen (the page asks for the microphone).");
		// Start at once unless ?wait: the browser may still ask for a tap.
		if (!params.has("wait")) start();
	}).catch(e => fail("Could not load warble: " + e.message));
})();
