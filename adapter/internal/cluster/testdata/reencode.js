// Reads messages Go encoded (hex msgpack, one per argument) and writes back,
// one line each, what the Node adapters would put on the wire for the same
// object: notepack.io (the sharded adapter), @msgpack/msgpack (the streams
// adapter's Pub/Sub) and JSON.stringify, hex, hex and text, tab-separated.
"use strict";
const notepack = require("notepack.io");
const msgpack = require("@msgpack/msgpack");

for (const arg of process.argv.slice(2)) {
  const fromNotepack = notepack.decode(Buffer.from(arg, "hex"));
  const fromMsgpack = msgpack.decode(Buffer.from(arg, "hex"));
  const np = notepack.encode(fromNotepack).toString("hex");
  const mp = Buffer.from(msgpack.encode(fromMsgpack)).toString("hex");
  process.stdout.write(`${np}\t${mp}\t${JSON.stringify(fromNotepack)}\n`);
}
