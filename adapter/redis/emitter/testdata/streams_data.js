"use strict";
// Decodes the data field of stream entries as @socket.io/redis-streams-adapter
// 0.3 does (JSON.parse when it starts with "{", else base64 then its
// @msgpack/msgpack decode), and encodes the result again as that adapter and
// @socket.io/redis-streams-emitter do (JSON.stringify, or @msgpack/msgpack
// encode then base64):
//
//   node streams_data.js < data.json     (a JSON array of data strings)
//
// Prints a JSON array with, for each, {form, value, same}: form "json" or
// "msgpack"; value the decoded data as JSON, binary as {"$bin": "<base64>"}
// (key order kept); same whether encoding it again gives the very string read,
// that is whether these encoders would have written those bytes for it.

const path = require("path");
// The adapter's own @msgpack/msgpack (2.8, the emitter's ~2.8 too).
const adapterDir = path.dirname(require.resolve("@socket.io/redis-streams-adapter"));
const { encode, decode } = require(require.resolve("@msgpack/msgpack", { paths: [adapterDir] }));

function plain(v) {
  if (v instanceof Uint8Array) return { $bin: Buffer.from(v).toString("base64") };
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = plain(x);
    return o;
  }
  return v;
}

const data = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = data.map((s) => {
  if (s.startsWith("{")) {
    const v = JSON.parse(s);
    return { form: "json", value: plain(v), same: JSON.stringify(v) === s };
  }
  const v = decode(Buffer.from(s, "base64"));
  return { form: "msgpack", value: plain(v), same: Buffer.from(encode(v)).toString("base64") === s };
});
process.stdout.write(JSON.stringify(out) + "\n");
