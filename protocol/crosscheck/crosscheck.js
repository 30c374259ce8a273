// Runs the npm parsers over the shared vectors and over what the Go encoders
// wrote, and prints what Node makes of both as JSON on stdout.
// Usage: node crosscheck.js testdata/vectors.json go-output.json
"use strict";
const fs = require("fs");
const eio = require("engine.io-parser");
const sio = require("socket.io-parser");
const mp = require("socket.io-msgpack-parser");

const vectors = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const fromGo = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));

// {"$bin": base64} -> Buffer, "$repeat:c:n" -> c repeated n times.
function revive(v) {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === "object") {
    if (typeof v.$bin === "string" && Object.keys(v).length === 1) return Buffer.from(v.$bin, "base64");
    const out = {};
    for (const k of Object.keys(v)) out[k] = revive(v[k]);
    return out;
  }
  if (typeof v === "string" && v.startsWith("$repeat:")) {
    const [, c, n] = v.split(":");
    return c.repeat(Number(n));
  }
  return v;
}

// Buffer -> {"$bin": base64}, so decoded packets compare as JSON.
function tame(v) {
  if (Buffer.isBuffer(v) || v instanceof ArrayBuffer) return { $bin: Buffer.from(v).toString("base64") };
  if (Array.isArray(v)) return v.map(tame);
  if (v && typeof v === "object") {
    const out = {};
    for (const k of Object.keys(v)) out[k] = tame(v[k]);
    return out;
  }
  return v;
}

function packetObject(p) {
  const o = { type: p.type };
  if (p.data !== undefined) o.data = revive(p.data);
  o.nsp = p.nsp;
  if (p.id !== undefined) o.id = p.id;
  return o;
}

function eioPackets(list) {
  return list.map((p) => (p.bin !== undefined ? { type: p.type, data: Buffer.from(p.bin, "base64") } : { type: p.type, data: p.data }));
}

function sioDecode(parts) {
  const d = new sio.Decoder();
  let out = null;
  d.on("decoded", (p) => { out = p; });
  for (const part of parts) d.add(typeof part === "string" ? part : Buffer.from(part.$bin, "base64"));
  if (!out) throw new Error("incomplete");
  return tame({ type: out.type, nsp: out.nsp, id: out.id, data: out.data });
}

function mpDecode(hex) {
  const d = new mp.Decoder();
  let out = null;
  d.on("decoded", (p) => { out = p; });
  d.add(Buffer.from(hex.replace(/ /g, ""), "hex"));
  return tame({ type: out.type, nsp: out.nsp, id: out.id, data: out.data });
}

function attempt(fn) {
  try { return { ok: fn() }; } catch (e) { return { err: String(e.message || e) }; }
}

const result = { eio: [], eioDecoded: [], eioInvalid: [], sio: [], sioDecoded: [], sioInvalid: [], sioDivergent: [], msgpack: [], msgpackDecoded: [], msgpackInvalid: [] };

for (const v of vectors.eio) {
  let payload;
  eio.encodePayload(eioPackets(v.packets), (s) => { payload = s; });
  const frames = eioPackets(v.packets).map((p) => {
    let f;
    eio.encodePacket(p, true, (x) => { f = x; });
    return typeof f === "string" ? f : { $bin: Buffer.from(f).toString("base64") };
  });
  result.eio.push({ payload, frames });
}
for (const payload of fromGo.eio) {
  result.eioDecoded.push(tame(eio.decodePayload(payload, "nodebuffer")));
}
for (const s of vectors.eioInvalid) {
  result.eioInvalid.push(eio.decodePayload(s, "nodebuffer").some((p) => p.type === "error"));
}

const enc = new sio.Encoder();
for (const v of vectors.sio) {
  result.sio.push(enc.encode(packetObject(v.packet)).map((x) => (typeof x === "string" ? x : { $bin: Buffer.from(x).toString("base64") })));
}
for (const parts of fromGo.sio) result.sioDecoded.push(attempt(() => sioDecode(parts)));
for (const s of vectors.sioInvalid) result.sioInvalid.push(attempt(() => sioDecode([s])).err || null);
for (const d of vectors.sioDivergent) result.sioDivergent.push(attempt(() => sioDecode([d.wire])).err || null);

const mpEnc = new mp.Encoder();
for (const v of vectors.msgpack) result.msgpack.push(Buffer.from(mpEnc.encode(packetObject(v.packet))[0]).toString("hex"));
for (const hex of fromGo.msgpack) result.msgpackDecoded.push(attempt(() => mpDecode(hex)));
for (const v of vectors.msgpackInvalid) result.msgpackInvalid.push(attempt(() => mpDecode(v.hex)).err || null);

// Values a JavaScript client sends that JSON vectors cannot spell, encoded
// by notepack.io (the msgpack parser's codec), with what JSON.stringify
// makes of what notepack.io decodes from them, binary as base64: what
// msgpackparser.AppendJSON must give. (notepack.io writes integers from
// 2^64 up wrapped: 1e21 comes back as 3875820019684212736, in Node too.)
const notepack = require("notepack.io");
function base64Binary(v) {
  if (Buffer.isBuffer(v)) return v.toString("base64");
  if (v instanceof ArrayBuffer) return Buffer.from(v).toString("base64");
  if (Array.isArray(v)) return v.map(base64Binary);
  if (v && typeof v === "object" && !(v instanceof Date)) {
    const out = {};
    for (const k of Object.keys(v)) out[k] = base64Binary(v[k]);
    return out;
  }
  return v;
}
const jsValues = [
  ["date", new Date(Date.UTC(2024, 4, 6, 7, 8, 9, 123))],
  ["date before 1970", new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 1))],
  ["undefined in an array", [1, undefined, 2]],
  ["undefined in an object", { a: undefined, b: 1, c: undefined }],
  ["ArrayBuffer", new Uint8Array([1, 2, 3]).buffer],
  ["Buffer", Buffer.from([4, 5])],
  ["numbers", [0, -1, 0.1, -2.5e-7, 1e21, 2 ** 53, -(2 ** 53), 2 ** 32, -(2 ** 31) - 1, 5e-324]],
  ["strings", ["", "é ✓ 🚀", "x".repeat(40), "\u2028\u0000\"\\"]],
  ["nested", { m: { b: Buffer.from([1]), list: [Buffer.alloc(0), null, true, { d: new Date(0) }] } }],
];
result.msgpackValues = jsValues.map(([name, v]) => {
  const bytes = Buffer.from(notepack.encode(v));
  return { name, hex: bytes.toString("hex"), json: JSON.stringify(base64Binary(notepack.decode(bytes))) };
});

process.stdout.write(JSON.stringify(result));
