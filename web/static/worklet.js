// worklet.js: the AudioWorklet that taps the microphone. It mixes the input
// to mono and posts it to the page in blocks of 1024 samples (about 21 ms at
// 48 kHz), with the index of the block's first sample in the stream.
"use strict";

class WarbleTap extends AudioWorkletProcessor {
	constructor() {
		super();
		this.block = new Float32Array(1024);
		this.n = 0;
		this.sent = 0;
	}

	process(inputs) {
		const input = inputs[0];
		if (input && input.length > 0) {
			const len = input[0].length;
			for (let i = 0; i < len; i++) {
				let s = 0;
				for (let c = 0; c < input.length; c++) s += input[c][i];
				this.block[this.n++] = s / input.length;
				if (this.n === this.block.length) {
					this.port.postMessage({ first: this.sent, samples: this.block }, [this.block.buffer]);
					this.sent += this.n;
					this.block = new Float32Array(1024);
					this.n = 0;
				}
			}
		}
		return true;
	}
}

registerProcessor("warble-tap", WarbleTap);
