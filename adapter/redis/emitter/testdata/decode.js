"use strict";
// Decodes messages as @socket.io/redis-adapter 8.3 does (JSON when the first
// byte is "{", else its notepack.io) and prints each as util.inspect shows
// it, which tells a Buffer from an object, a number from a string, and keeps
// key order:
//
//   node decode.js < messages.json     (a JSON array of hex strings)
//
// It prints a JSON array of strings, one per message.

const path = require("path");
const util = require("util");
// The adapter's own notepack.io, not the older one at the top of node_modules.
const adapterDir = path.dirname(require.resolve("@socket.io/redis-adapter"));
const notepack = require(require.resolve("notepack.io", { paths: [adapterDir] }));

const messages = JSON.parse(require("fs").readFileSync(0, "utf8"));
const inspect = (v) =>
  util.inspect(v, { depth: Infinity, maxArrayLength: Infinity, maxStringLength: Infinity, breakLength: Infinity, compact: Infinity });
const out = messages.map((hex) => {
  const buf = Buffer.from(hex, "hex");
  return buf[0] === 0x7b ? "json " + inspect(JSON.parse(buf.toString())) : "msgpack " + inspect(notepack.decode(buf));
});
process.stdout.write(JSON.stringify(out) + "\n");
