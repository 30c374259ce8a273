// Many official socket.io-client sockets in one process, driven by a Go test
// (adapter/internal/clustertest) one JSON command per line on stdin:
//
//   node testdata/cluster/clients.js
//
// Commands, each {"id": N, "op": ..., ...}; the answer is one line
// {"id": N, "ok": value} or {"id": N, "error": "..."}:
//
//   connect  {name, url, recovery?}   a new socket of "/" (websocket, no
//                                     automatic reconnection); ok {id, recovered}
//   emit     {name, event, args, ack?} socket.emit(event, ...args); with ack,
//                                     ok is the ack's value (5 s timeout)
//   drop     {name}                   close the engine abruptly ("transport
//                                     close" on the server); the socket stays
//                                     dropped
//   reconnect {name, url}             reconnect the dropped socket through the
//                                     same Manager to url (another server, or
//                                     the same): the client sends its pid and
//                                     last offset, as after any reconnection;
//                                     ok {id, recovered}
//   close    {name}                   socket.disconnect()
//
// Events every socket receives are lines {"name", "event", "args"}; the
// "disconnect" event has args [reason]. A "question" event (the servers'
// bcastAck) is answered {from: name, got: payload}.
//
// Binary is {"$bin": "<base64>"} both ways, so the Go side sees exactly what
// the client got. On stdin's end the process closes every socket and exits 0.
"use strict";

const readline = require("node:readline");
const { io } = require("socket.io-client");

const ackTimeout = 5000;
const sockets = new Map();

function out(v) {
  process.stdout.write(JSON.stringify(v) + "\n");
}

// plain makes a received value JSON, binary spelled out.
function plain(v) {
  if (v === undefined) return null;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return { $bin: Buffer.from(v).toString("base64") };
  if (v instanceof ArrayBuffer) return { $bin: Buffer.from(new Uint8Array(v)).toString("base64") };
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = plain(x);
    return o;
  }
  return v;
}

// wire turns a command's value into what the client sends: binary back.
function wire(v) {
  if (Array.isArray(v)) return v.map(wire);
  if (v && typeof v === "object") {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === "$bin") return Buffer.from(v.$bin, "base64");
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = wire(x);
    return o;
  }
  return v;
}

function connected(socket) {
  return new Promise((resolve, reject) => {
    const ok = () => {
      socket.off("connect_error", bad);
      resolve({ id: socket.id, recovered: socket.recovered });
    };
    const bad = (err) => {
      socket.off("connect", ok);
      reject(new Error(`connect_error: ${err.message}`));
    };
    socket.once("connect", ok);
    socket.once("connect_error", bad);
  });
}

const ops = {
  async connect({ name, url }) {
    if (sockets.has(name)) throw new Error(`${name} exists`);
    const socket = io(url, { transports: ["websocket"], reconnection: false, forceNew: true, timeout: ackTimeout });
    sockets.set(name, socket);
    socket.onAny((event, ...args) => out({ name, event, args: plain(args) }));
    socket.on("question", (payload, cb) => {
      if (typeof cb === "function") cb({ from: name, got: payload });
    });
    socket.on("disconnect", (reason) => out({ name, event: "disconnect", args: [reason] }));
    return connected(socket);
  },
  async emit({ name, event, args, ack }) {
    const socket = get(name);
    if (!ack) {
      socket.emit(event, ...wire(args || []));
      return true;
    }
    return plain(await socket.timeout(ackTimeout).emitWithAck(event, ...wire(args || [])));
  },
  async drop({ name }) {
    const socket = get(name);
    socket.io.reconnection(false);
    const gone = new Promise((resolve) => socket.once("disconnect", resolve));
    socket.io.engine.close();
    return await gone;
  },
  async reconnect({ name, url }) {
    const socket = get(name);
    socket.io.uri = url; // the Manager makes its next engine with it
    const done = connected(socket);
    socket.connect();
    return done;
  },
  async close({ name }) {
    get(name).disconnect();
    sockets.delete(name);
    return true;
  },
};

function get(name) {
  const s = sockets.get(name);
  if (!s) throw new Error(`no socket ${name}`);
  return s;
}

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch (err) {
    process.stderr.write(`clients.js: bad command ${line}: ${err.message}\n`);
    process.exit(1);
  }
  const op = ops[cmd.op];
  if (!op) {
    out({ id: cmd.id, error: `unknown op ${cmd.op}` });
    return;
  }
  op(cmd).then(
    (ok) => out({ id: cmd.id, ok: ok === undefined ? null : ok }),
    (err) => out({ id: cmd.id, error: err && err.message ? err.message : String(err) }),
  );
});
rl.on("close", () => {
  for (const s of sockets.values()) s.disconnect();
  process.exit(0);
});
