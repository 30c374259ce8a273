"use strict";
// A pool of official socket.io-client sockets, driven by the Go cluster
// tests (cluster_test.go) over stdin and stdout, one JSON object a line.
//
// Commands (stdin):
//   {"cmd":"connect","name":"a1","url":"http://…","nsp":"/","parser":"json"|"msgpack","auth":{…}}
//   {"cmd":"emit","name":"a1","event":"…","args":[…]}
//   {"cmd":"ask","name":"a1","event":"…","args":[…],"seq":N}  emit with an ack (5 s)
//   {"cmd":"close","name":"a1"}
// Events (stdout):
//   {"event":"connect","name":"a1","id":"…"}
//   {"event":"message","name":"a1","ev":"…","args":[…]}
//   {"event":"disconnect","name":"a1","reason":"…"}
//   {"event":"answer","name":"a1","seq":N,"args":[…]}        or with "message" when none came
//   {"event":"error","name":"a1","message":"…"}
//
// Binary arguments are printed as "bin:<hex>", whatever their type. A
// server's emit that asks for an ack is answered with "ack:<name>", so that a
// broadcast with acks gets one answer per client. Every socket runs over
// WebSocket without reconnection. The pool exits when stdin closes.

const { io } = require("socket.io-client");
const readline = require("readline");

const sockets = new Map();
const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

function plain(v) {
  if (v === undefined) return "<undefined>";
  if (v instanceof ArrayBuffer) return `bin:${Buffer.from(v).toString("hex")}`;
  if (ArrayBuffer.isView(v)) return `bin:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex")}`;
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = plain(x);
    return o;
  }
  return v;
}

// unplain turns "bin:<hex>" back into binary, for what the test emits.
function unplain(v) {
  if (typeof v === "string" && v.startsWith("bin:")) return Buffer.from(v.slice(4), "hex");
  if (Array.isArray(v)) return v.map(unplain);
  if (v !== null && typeof v === "object") {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = unplain(x);
    return o;
  }
  return v;
}

function connect({ name, url, nsp = "/", parser, auth = {} }) {
  const opts = { transports: ["websocket"], reconnection: false, forceNew: true, auth };
  if (parser === "msgpack") opts.parser = require("socket.io-msgpack-parser");
  const socket = io(url + (nsp === "/" ? "" : nsp), opts);
  sockets.set(name, socket);
  socket.on("connect", () => out({ event: "connect", name, id: socket.id }));
  socket.on("connect_error", (err) => out({ event: "error", name, message: `connect_error: ${err.message}` }));
  socket.on("disconnect", (reason) => out({ event: "disconnect", name, reason }));
  socket.onAny((ev, ...args) => {
    const last = args[args.length - 1];
    if (typeof last === "function") {
      args.pop();
      last(`ack:${name}`);
    }
    out({ event: "message", name, ev, args: plain(args) });
  });
}

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  let c;
  try {
    c = JSON.parse(line);
  } catch (err) {
    out({ event: "error", message: `bad command ${line}: ${err.message}` });
    return;
  }
  const socket = sockets.get(c.name);
  switch (c.cmd) {
    case "connect":
      connect(c);
      break;
    case "emit":
      if (!socket) return out({ event: "error", name: c.name, message: "no such client" });
      socket.emit(c.event, ...unplain(c.args || []));
      break;
    case "ask":
      if (!socket) return out({ event: "error", name: c.name, message: "no such client" });
      socket.timeout(5000).emit(c.event, ...unplain(c.args || []), (err, ...answer) => {
        if (err) out({ event: "answer", name: c.name, seq: c.seq, message: err.message });
        else out({ event: "answer", name: c.name, seq: c.seq, args: plain(answer) });
      });
      break;
    case "close":
      if (socket) socket.disconnect();
      break;
    default:
      out({ event: "error", message: `unknown command ${c.cmd}` });
  }
});
rl.on("close", () => {
  for (const s of sockets.values()) s.disconnect();
  process.exit(0);
});
