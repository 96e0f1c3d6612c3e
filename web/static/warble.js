// warble.js loads the WebAssembly modem and holds what the pages share.
"use strict";

const Warble = (() => {
	let loading = null;

	// load fetches /wasm_exec.js and /warble.wasm once and resolves to the
	// global `warble` object the module installs.
	function load() {
		if (loading) return loading;
		loading = (async () => {
			if (typeof WebAssembly !== "object") throw new Error("This browser cannot run WebAssembly, which warble needs.");
			await new Promise((resolve, reject) => {
				const s = document.createElement("script");
				s.src = "/wasm_exec.js";
				s.onload = resolve;
				// The server explains a missing module in the response body.
				s.onerror = () => fetch("/wasm_exec.js")
					.then(r => r.ok ? "" : r.text())
					.catch(() => "")
					.then(why => reject(new Error(why.trim()
						? "The server has no warble module: " + why.trim()
						: "Could not load /wasm_exec.js from the server; is warble serve still running?")));
				document.head.appendChild(s);
			});
			const go = new Go();
			const ready = new Promise(resolve => { window.warbleReady = resolve; });
			const resp = await fetch("/warble.wasm");
			if (!resp.ok) throw new Error("The server has no warble module: " + (await resp.text()).trim());
			let result;
			if (WebAssembly.instantiateStreaming) {
				result = await WebAssembly.instantiateStreaming(resp, go.importObject);
			} else {
				result = await WebAssembly.instantiate(await resp.arrayBuffer(), go.importObject);
			}
			go.run(result.instance).then(() => { loading = null; });
			await ready;
			return window.warble;
		})();
		return loading;
	}

	// check turns a module result of the form {error} into an exception.
	function check(v) {
		if (v && typeof v === "object" && typeof v.error === "string") throw new Error(v.error);
		return v;
	}

	function floatBytes(f32) { return new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength); }
	function bytesFloat(u8) { return new Float32Array(u8.buffer, u8.byteOffset, u8.byteLength / 4); }

	function hexToBytes(hex) {
		const s = hex.replace(/[\s:]/g, "");
		if (s.length === 0) throw new Error("The hex payload is empty.");
		if (s.length % 2 || /[^0-9a-fA-F]/.test(s)) throw new Error("The hex payload must be pairs of the digits 0-9 and a-f.");
		const b = new Uint8Array(s.length / 2);
		for (let i = 0; i < b.length; i++) b[i] = parseInt(s.substr(2 * i, 2), 16);
		return b;
	}
	function bytesToHex(b) { return Array.from(b, x => x.toString(16).padStart(2, "0")).join(""); }

	// printable returns the payload as text when it is printable UTF-8, else null.
	function printable(hex) {
		try {
			const t = new TextDecoder("utf-8", { fatal: true }).decode(hexToBytes(hex));
			return /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/.test(t) ? t : null;
		} catch (e) { return null; }
	}

	// fillProfiles puts the profiles that fit rate into a <select>,
	// keeping the current choice when it still fits.
	function fillProfiles(select, w, rate, withAuto, want) {
		const keep = want || select.value;
		select.textContent = "";
		if (withAuto) select.add(new Option("auto — every profile", "auto"));
		for (const p of w.profiles(rate)) {
			if (!p.fits) continue;
			const band = (p.lowHz / 1000).toFixed(1) + "–" + (p.highHz / 1000).toFixed(1) + " kHz";
			select.add(new Option(p.name + " (" + band + ")", p.name));
		}
		if (keep && Array.from(select.options).some(o => o.value === keep)) select.value = keep;
	}

	function show(el, text, kind) {
		el.className = "msg " + (kind || "info");
		el.textContent = text;
	}

	// micError says in words why the microphone could not be opened.
	function micError(e) {
		switch (e && e.name) {
		case "NotAllowedError": case "SecurityError":
			return "Microphone access was denied. Allow the microphone for this site in the browser's settings, then reload.";
		case "NotFoundError": case "OverconstrainedError":
			return "No microphone was found. Plug one in or check the system's sound settings.";
		case "NotReadableError":
			return "The microphone is in use by another program or could not be read.";
		}
		return "Could not open the microphone: " + (e && e.message ? e.message : e);
	}

	function secureContextError() {
		if (window.isSecureContext) return null;
		return "This page is not in a secure context, so the browser hides the microphone and audio worklets. Open it as https:// or from http://localhost / http://127.0.0.1 (for a phone, serve warble behind HTTPS).";
	}

	return { load, check, floatBytes, bytesFloat, hexToBytes, bytesToHex, printable, fillProfiles, show, micError, secureContextError };
})();
