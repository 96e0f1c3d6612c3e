#!/usr/bin/env node
// ggwave-cli.js drives the ggwave npm package (pinned in package.json) so that
// warble can be benchmarked and interop-tested against ggwave's own encoder
// and decoder. It is a test peer, not part of warble.
//
//   node ggwave-cli.js encode --protocol NAME [--rate 48000] [--volume 50]
//                             (--hex HEX | --text TEXT) -o out.wav
//   node ggwave-cli.js decode [--rate R] [--whole | --chunk N] [--verbose] in.wav
//   node ggwave-cli.js decode-speed [--rate R] [--whole | --chunk N] in.wav
//   node ggwave-cli.js protocols
//
// encode writes a mono 16-bit PCM WAV. decode reads 8/16/24/32-bit PCM or
// 32/64-bit float WAVs of any rate, mono or multi-channel (channels are
// averaged), and prints one JSON line per decoded message:
//   {"payload_hex":"...","text":"..."}
// Exit status: 0 a message was found (decode) or written (encode), 1 nothing
// found, 2 usage error or unreadable input.
'use strict';

const fs = require('fs');

const PROTOCOLS = {
  'normal': 'GGWAVE_PROTOCOL_AUDIBLE_NORMAL',
  'fast': 'GGWAVE_PROTOCOL_AUDIBLE_FAST',
  'fastest': 'GGWAVE_PROTOCOL_AUDIBLE_FASTEST',
  'u-normal': 'GGWAVE_PROTOCOL_ULTRASOUND_NORMAL',
  'u-fast': 'GGWAVE_PROTOCOL_ULTRASOUND_FAST',
  'u-fastest': 'GGWAVE_PROTOCOL_ULTRASOUND_FASTEST',
  'dt-normal': 'GGWAVE_PROTOCOL_DT_NORMAL',
  'dt-fast': 'GGWAVE_PROTOCOL_DT_FAST',
  'dt-fastest': 'GGWAVE_PROTOCOL_DT_FASTEST',
};

// ggwave 0.4.0 limits (include/ggwave/ggwave.h): kMaxLengthVariable bytes per
// variable-length message; kSampleRateMin..kSampleRateMax for any rate.
const MAX_PAYLOAD_BYTES = 140;
const MIN_RATE = 1000;
const MAX_RATE = 96000;

class UsageError extends Error {}
class InputError extends Error {}

function usage() {
  return [
    'usage: node ggwave-cli.js encode --protocol NAME [--rate 48000] [--volume 50] (--hex HEX | --text TEXT) -o out.wav',
    '       node ggwave-cli.js decode [--rate R] [--whole | --chunk N] [--verbose] in.wav',
    '       node ggwave-cli.js decode-speed [--rate R] [--whole | --chunk N] in.wav',
    '       node ggwave-cli.js decode-many in.wav...',
    '       node ggwave-cli.js protocols',
    'protocols: ' + Object.keys(PROTOCOLS).join(', '),
  ].join('\n');
}

// parseArgs splits argv into flags (with values unless listed as boolean)
// and positional arguments.
function parseArgs(argv, booleans) {
  const flags = {};
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      let name = a.replace(/^--?/, '');
      let value;
      const eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.slice(eq + 1);
        name = name.slice(0, eq);
      } else if (booleans.includes(name)) {
        value = true;
      } else {
        if (i + 1 >= argv.length) throw new UsageError(`flag ${a} needs a value`);
        value = argv[++i];
      }
      flags[name] = value;
    } else {
      rest.push(a);
    }
  }
  return { flags, rest };
}

function intFlag(flags, name, def, min, max) {
  if (flags[name] === undefined) return def;
  const s = String(flags[name]);
  if (!/^\d+$/.test(s)) throw new UsageError(`--${name}: not an integer: ${s}`);
  const v = parseInt(s, 10);
  if (v < min || v > max) throw new UsageError(`--${name} ${v} is outside ${min}..${max}`);
  return v;
}

// ---- WAV files ----

function readWav(file) {
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new InputError(`${file}: ${e.message}`);
  }
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new InputError(`${file}: not a RIFF/WAVE file`);
  }
  let fmt = null;
  let data = null;
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    let size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (body + size > buf.length) size = buf.length - body; // truncated or streamed file
    if (id === 'fmt ') {
      if (size < 16) throw new InputError(`${file}: fmt chunk too short`);
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        blockAlign: buf.readUInt16LE(body + 12),
        bits: buf.readUInt16LE(body + 14),
      };
      if (fmt.format === 0xfffe && size >= 40) fmt.format = buf.readUInt16LE(body + 24); // WAVE_FORMAT_EXTENSIBLE sub-format
    } else if (id === 'data') {
      data = buf.subarray(body, body + size);
    }
    off = body + size + (size & 1);
  }
  if (!fmt) throw new InputError(`${file}: no fmt chunk`);
  if (!data) throw new InputError(`${file}: no data chunk`);
  const { format, channels, rate, bits } = fmt;
  if (channels < 1) throw new InputError(`${file}: ${channels} channels`);
  if (rate < 1) throw new InputError(`${file}: sample rate ${rate}`);
  const bytes = bits / 8;
  let read;
  if (format === 1 && bits === 8) read = (o) => (data.readUInt8(o) - 128) / 128;
  else if (format === 1 && bits === 16) read = (o) => data.readInt16LE(o) / 32768;
  else if (format === 1 && bits === 24) read = (o) => data.readIntLE(o, 3) / 8388608;
  else if (format === 1 && bits === 32) read = (o) => data.readInt32LE(o) / 2147483648;
  else if (format === 3 && bits === 32) read = (o) => data.readFloatLE(o);
  else if (format === 3 && bits === 64) read = (o) => data.readDoubleLE(o);
  else throw new InputError(`${file}: unsupported WAV encoding (format ${format}, ${bits} bits)`);
  const frame = bytes * channels;
  const n = Math.floor(data.length / frame);
  const samples = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += read(i * frame + c * bytes);
    samples[i] = sum / channels;
  }
  return { rate, channels, samples };
}

function writeWav16(file, samples, rate) {
  const n = samples.length;
  const buf = Buffer.alloc(44 + 2 * n);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + 2 * n, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++) {
    const v = Math.round(samples[i] * 32768);
    buf.writeInt16LE(Math.max(-32768, Math.min(32767, v)), 44 + 2 * i);
  }
  fs.writeFileSync(file, buf);
}

// ---- ggwave ----

// loadGGWave resolves to the emscripten module. Its stdout printf (encode
// prints "n = …, nActual = …") and ggwave's log go to stderr with --verbose
// and are dropped otherwise, so stdout carries only this tool's output.
async function loadGGWave(verbose) {
  const say = verbose ? (s) => process.stderr.write('ggwave: ' + s + '\n') : () => {};
  const factory = require('ggwave');
  const gg = await factory({ print: say, printErr: say });
  if (!verbose) gg.disableLog();
  return gg;
}

// copyBytes copies an emscripten typed_memory_view (an Int8Array over wasm
// memory, reused by the next call) into a fresh ArrayBuffer.
function copyBytes(view) {
  const out = new Uint8Array(view.length);
  out.set(new Uint8Array(view.buffer, view.byteOffset, view.length));
  return out.buffer;
}

function parseHex(s) {
  if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw new UsageError('--hex: not an even-length hex string');
  return Buffer.from(s, 'hex');
}

async function cmdEncode(argv) {
  const { flags, rest } = parseArgs(argv, ['verbose']);
  if (rest.length) throw new UsageError(`unexpected argument ${rest[0]}`);
  const name = flags.protocol;
  if (!name || !PROTOCOLS[name]) throw new UsageError(`--protocol must be one of: ${Object.keys(PROTOCOLS).join(', ')}`);
  const rate = intFlag(flags, 'rate', 48000, MIN_RATE, MAX_RATE);
  const volume = intFlag(flags, 'volume', 50, 1, 100);
  const out = flags.o || flags.output;
  if (!out) throw new UsageError('-o out.wav is required');
  let payload;
  if (flags.hex !== undefined && flags.text !== undefined) throw new UsageError('give --hex or --text, not both');
  if (flags.hex !== undefined) payload = parseHex(String(flags.hex));
  else if (flags.text !== undefined) payload = Buffer.from(String(flags.text), 'utf8');
  else throw new UsageError('--hex or --text is required');
  if (payload.length < 1 || payload.length > MAX_PAYLOAD_BYTES) {
    throw new UsageError(`payload is ${payload.length} bytes; ggwave takes 1..${MAX_PAYLOAD_BYTES}`);
  }

  const gg = await loadGGWave(flags.verbose);
  const id = gg.ProtocolId[PROTOCOLS[name]];
  if (id === undefined) throw new UsageError(`this ggwave build does not export ${PROTOCOLS[name]}`);
  const p = gg.getDefaultParameters();
  p.sampleRateOut = rate;
  p.sampleFormatOut = gg.SampleFormat.GGWAVE_SAMPLE_FORMAT_F32;
  p.operatingMode = gg.GGWAVE_OPERATING_MODE_TX;
  const inst = gg.init(p);
  const view = gg.encode(inst, new Uint8Array(payload), id, volume);
  const samples = new Float32Array(copyBytes(view));
  gg.free(inst);
  if (samples.length === 0) throw new Error('ggwave produced no samples');
  writeWav16(out, samples, rate);
  return 0;
}

// decodeSamples feeds samples to a fresh RX instance and returns the decoded
// payloads. (The 0.4.0 binding returns an empty view both for "nothing yet"
// and for a failed decode, so failures cannot be counted here.)
//
// ggwave_decode consumes everything it is given but reports only the last
// message completed within one call, so by default the audio goes in chunks
// of about one analysis frame (see defaultChunk). --whole passes the
// recording in one call instead; --chunk N sets another size.
function decodeSamples(gg, samples, rate, chunk) {
  const p = gg.getDefaultParameters();
  p.sampleRateInp = rate;
  p.sampleFormatInp = gg.SampleFormat.GGWAVE_SAMPLE_FORMAT_F32;
  p.operatingMode = gg.GGWAVE_OPERATING_MODE_RX;
  const inst = gg.init(p);
  const messages = [];
  const step = chunk > 0 ? chunk : samples.length;
  for (let i = 0; i < samples.length; i += step) {
    const part = samples.subarray(i, Math.min(samples.length, i + step));
    const bytes = new Int8Array(part.buffer, part.byteOffset, part.byteLength);
    const res = gg.decode(inst, bytes);
    if (res && res.length > 0) messages.push(Buffer.from(copyBytes(res)));
  }
  gg.free(inst);
  return messages;
}

// defaultChunk is the number of input samples per decode call. At ggwave's
// operating rate (48 kHz) that is samplesPerFrame. At other rates ggwave
// resamples: each call it asks for resample(samplesPerFrame)+4 input samples
// and silently drops a call's leftover of 2*64 samples or fewer, so a chunk
// of exactly samplesPerFrame (1024) at 44.1 kHz loses audio and decodes
// nothing. floor(samplesPerFrame*rate/48000)+2 was found, by sweeping chunk
// sizes at 8000..96000 Hz, to keep every call within what ggwave takes.
function defaultChunk(rate, samplesPerFrame, operatingRate) {
  if (rate === operatingRate) return samplesPerFrame;
  return Math.floor((samplesPerFrame * rate) / operatingRate) + 2;
}

async function cmdDecode(argv, speed) {
  const { flags, rest } = parseArgs(argv, ['whole', 'verbose']);
  if (rest.length !== 1) throw new UsageError('decode takes exactly one WAV file');
  const wav = readWav(rest[0]);
  let rate = wav.rate;
  if (flags.rate !== undefined) rate = intFlag(flags, 'rate', rate, MIN_RATE, MAX_RATE);
  if (rate < MIN_RATE || rate > MAX_RATE) throw new InputError(`${rest[0]}: sample rate ${rate} is outside ggwave's ${MIN_RATE}..${MAX_RATE}`);
  const gg = await loadGGWave(flags.verbose);
  const def = gg.getDefaultParameters();
  let chunk = defaultChunk(rate, def.samplesPerFrame, def.sampleRate);
  if (flags.chunk !== undefined) chunk = intFlag(flags, 'chunk', chunk, 1, 1 << 30);
  if (flags.whole) chunk = 0;

  const t0 = process.hrtime.bigint();
  const messages = decodeSamples(gg, wav.samples, rate, chunk);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;

  if (speed) {
    process.stdout.write(seconds.toFixed(6) + '\n');
    process.stderr.write(`ggwave-cli: ${messages.length} message(s) in ${(wav.samples.length / rate).toFixed(3)} s of audio\n`);
    return 0;
  }
  for (const m of messages) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(m);
    process.stdout.write(JSON.stringify({ payload_hex: m.toString('hex'), text }) + '\n');
  }
  return messages.length > 0 ? 0 : 1;
}

// cmdDecodeMany decodes each WAV file with a fresh receiver, fed as a live
// capture would be, and prints one JSON line per file, in order.
async function cmdDecodeMany(argv) {
  const { rest } = parseArgs(argv, []);
  if (rest.length < 1) throw new UsageError('decode-many takes one or more WAV files');
  const gg = await loadGGWave(false);
  const def = gg.getDefaultParameters();
  for (const file of rest) {
    const wav = readWav(file);
    if (wav.rate < MIN_RATE || wav.rate > MAX_RATE) throw new InputError(`${file}: sample rate ${wav.rate} is outside ggwave's ${MIN_RATE}..${MAX_RATE}`);
    const messages = decodeSamples(gg, wav.samples, wav.rate, defaultChunk(wav.rate, def.samplesPerFrame, def.sampleRate));
    process.stdout.write(JSON.stringify({ file, payloads_hex: messages.map((m) => m.toString('hex')) }) + '\n');
  }
  return 0;
}

async function cmdProtocols() {
  const gg = await loadGGWave(false);
  const p = gg.getDefaultParameters();
  for (const [name, c] of Object.entries(PROTOCOLS)) {
    const id = gg.ProtocolId[c];
    process.stdout.write(`${name}\t${c}\t${id === undefined ? 'missing' : id.value}\n`);
  }
  process.stdout.write(`# default sampleRate ${p.sampleRate}, samplesPerFrame ${p.samplesPerFrame}, payloadLength ${p.payloadLength}\n`);
  return 0;
}

async function main() {
  const [cmd, ...argv] = process.argv.slice(2);
  switch (cmd) {
    case 'encode': return cmdEncode(argv);
    case 'decode': return cmdDecode(argv, false);
    case 'decode-speed': return cmdDecode(argv, true);
    case 'decode-many': return cmdDecodeMany(argv);
    case 'protocols': return cmdProtocols();
    case undefined:
    case 'help':
    case '-h':
    case '--help':
      process.stdout.write(usage() + '\n');
      return cmd === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command ${cmd}`);
  }
}

main().then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`ggwave-cli: error: ${err.message}\n`);
    if (err instanceof UsageError) process.stderr.write(usage() + '\n');
    process.exitCode = (err instanceof UsageError || err instanceof InputError) ? 2 : 1;
  },
);
