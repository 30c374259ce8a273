"use strict";
// Received values kept exactly, as the official socket.io-client sees them
// (../../values_e2e_test.go):
//
//   node sio_values.js <server URL> <ack|auth> <json|msgpack>
//
// Output as sio_client.js's (harness.js): one JSON object per line, the
// last {"event":"result",...}. Values are printed through exact(), which
// spells out what JSON would lose: key order, and binary with its bytes.

const { io } = require("socket.io-client");
const { harness } = require("./harness");

const [url, scenario, parserName] = process.argv.slice(2);
const h = harness(`sio_values.js ${scenario} ${parserName}`);
const { fail, finish } = h;
const ackTimeoutMs = 5000;

function options(extra) {
  const o = { reconnection: false, transports: ["websocket"], ...extra };
  if (parserName === "msgpack") o.parser = require("socket.io-msgpack-parser");
  else if (parserName !== "json") fail(`unknown parser ${parserName}`);
  return o;
}

// exact writes an object as {"object": [[key, value]...]} in Object.keys
// order, binary as "binary:<hex>" (a Buffer or an ArrayBuffer alike: both
// are binary to the application), undefined as "<undefined>".
function exact(v) {
  if (v === undefined) return "<undefined>";
  if (Buffer.isBuffer(v)) return `binary:${v.toString("hex")}`;
  if (v instanceof ArrayBuffer) return `binary:${Buffer.from(v).toString("hex")}`;
  if (ArrayBuffer.isView(v)) return `binary:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex")}`;
  if (Array.isArray(v)) return v.map(exact);
  if (v !== null && typeof v === "object") return { object: Object.keys(v).map((k) => [k, exact(v[k])]) };
  return v;
}

function connected(socket, name) {
  return new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", (err) => reject(new Error(`${name}: connect_error ${err.message}`)));
  });
}

function refused(socket, name) {
  return new Promise((resolve, reject) => {
    socket.once("connect_error", (err) => resolve(err.message));
    socket.once("connect", () => reject(new Error(`${name}: connected, want connect_error`)));
  });
}

function once(socket, event) {
  return new Promise((resolve) => socket.once(event, (...args) => resolve(args)));
}

function ask(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(ackTimeoutMs).emit(event, ...args, (err, ...answer) => {
      if (err) reject(new Error(`${event}: no ack within ${ackTimeoutMs}ms (${err.message})`));
      else resolve(answer);
    });
  });
}

async function closed(socket) {
  const done = new Promise((resolve) => socket.once("disconnect", resolve));
  socket.disconnect();
  await done;
}

// Acks built from received values: "echo" is answered with
// {response: [...args]} made of the arguments as Values; "probe" tells
// whether the client asked for an ack (answered by ack, or by a "probed"
// event when it did not); "numbers" tells the Go types of numbers decoded
// into any.
async function ackScenario() {
  const socket = io(url, options());
  h.step = "connect";
  await connected(socket, "/");
  h.step = "echo";
  const sent = [
    {
      b: Buffer.from([1, 2, 3]),
      z: 1,
      // ArrayBuffers of 8 bytes and 1 byte: notepack's extension 0, as its Date and undefined are.
      a: [new Uint8Array([4, 5]).buffer, "x", { y: true, c: null, n: -1.5 }, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]).buffer, new Uint8Array([9]).buffer],
    },
    "text",
    [2, { k2: "v", k1: Buffer.from([255]) }],
  ];
  const echo = await ask(socket, "echo", ...sent);
  h.step = "probe without an ack";
  const probed = once(socket, "probed");
  socket.emit("probe");
  const withoutAck = await probed;
  h.step = "probe with an ack";
  const withAck = await ask(socket, "probe");
  h.step = "numbers";
  const numbers = await ask(socket, "numbers", { i: 1, neg: -5, big: 2 ** 40, f: 1.5, u8: 200 });
  h.step = "disconnect";
  await closed(socket);
  finish({ sent: exact(sent), echo: exact(echo), withoutAck, withAck, numbers });
}

// The auth payload: a dynamic namespace admits by token (its match func
// reads the JSON auth), the socket's handler emits the auth back as Auth,
// as a Value and decoded into a struct.
async function authScenario() {
  const auth = { token: "let-me-in", bin: Buffer.from([9, 8]), z: 2, a: [1, "x"] };
  h.step = "refused";
  const refusedSocket = io(`${url}/dyn-1`, options({ auth: { token: "wrong" } }));
  const refusal = await refused(refusedSocket, "/dyn-1 with a wrong token");
  refusedSocket.close();
  h.step = "admitted";
  const socket = io(`${url}/dyn-2`, options({ auth }));
  const got = once(socket, "auth");
  await connected(socket, "/dyn-2");
  h.step = "auth event";
  const [raw, value, token] = await got;
  h.step = "disconnect";
  await closed(socket);
  finish({ refusal, raw: exact(raw), value: exact(value), token });
}

const scenarios = { ack: ackScenario, auth: authScenario };
if (!url || !scenarios[scenario] || !parserName) {
  fail(`usage: node sio_values.js <url> <${Object.keys(scenarios).join("|")}> <json|msgpack>`);
}
scenarios[scenario]().catch((err) => fail(`at step ${h.step}: ${err && err.stack ? err.stack : err}`));
