// qr.js: draws the text as a QR code (the server renders /qr.png).
"use strict";

(() => {
	const text = document.getElementById("text"), img = document.getElementById("qr"), error = document.getElementById("error");
	const params = new URLSearchParams(location.search);
	if (params.has("text")) text.value = params.get("text");
	let timer = 0;

	function draw() {
		error.textContent = "";
		error.className = "msg";
		if (text.value === "") { img.hidden = true; return; }
		if (new TextEncoder().encode(text.value).length > 2331) {
			img.hidden = true;
			error.className = "msg error";
			error.textContent = "The text is too long for a QR code (at most 2331 bytes).";
			return;
		}
		const next = "/qr.png?size=640&text=" + encodeURIComponent(text.value);
		img.onerror = () => {
			img.hidden = true;
			error.className = "msg error";
			error.textContent = "The server could not draw this text as a QR code.";
		};
		img.onload = () => { img.hidden = false; };
		img.alt = "QR code of: " + text.value;
		img.src = next;
	}
	text.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(draw, 150); });
	draw();
})();
