"use strict";
// Drives one end-to-end scenario against an Engine.IO v4 server with the
// official engine.io-client (see ../../engine_e2e_test.go):
//
//   node engine_client.js <server URL> <scenario> [argument]
//
// It prints one JSON object per line on stdout: events as they happen
// ({"event":"..."}), then {"event":"result",...}, and exits 0 once its
// sockets are closed (a client that closes cleanly lets Node exit on its
// own). On failure it prints the reason on stderr and exits 1. The Go test
// asserts on the output and on what the server saw; this script fails only
// on what the client itself can see.
//
// require() finds engine.io-client in the repository's node_modules by
// walking up from testdata/e2e.

const { Socket } = require("engine.io-client");
const { harness } = require("./harness");

const [url, scenario, arg] = process.argv.slice(2);
const h = harness(`engine_client.js ${scenario}`);
const { emit, fail, finish } = h;

// connect opens a socket and returns it with a message queue. Every "close"
// is printed, so the Go test sees how and when the client closed.
function connect(opts) {
  const socket = new Socket(url, { path: "/engine.io/", ...opts });
  const queue = [];
  const waiters = [];
  let closed = null;
  socket.on("message", (data) => {
    if (waiters.length > 0) waiters.shift().resolve(data);
    else queue.push(data);
  });
  socket.on("close", (reason, description) => {
    closed = reason;
    emit({ event: "close", reason, description: describe(description) });
    for (const w of waiters.splice(0)) w.reject(new Error(`socket closed (${reason}) while waiting for a message`));
  });
  const opened = new Promise((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("close", (reason) => reject(new Error(`socket closed (${reason}) before it opened`)));
  });
  const next = () => {
    if (queue.length > 0) return Promise.resolve(queue.shift());
    if (closed !== null) return Promise.reject(new Error(`socket closed (${closed}) while waiting for a message`));
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  };
  const closedPromise = new Promise((resolve) => socket.once("close", (reason) => resolve(reason)));
  return { socket, opened, next, closed: closedPromise };
}

function describe(d) {
  if (d === undefined || d === null) return "";
  if (d instanceof Error) return d.message;
  if (typeof d === "object") {
    const parts = [];
    if (d.description !== undefined) parts.push(describe(d.description));
    if (d.context && d.context.status !== undefined) parts.push(`HTTP ${d.context.status}`);
    if (d.code !== undefined) parts.push(`code ${d.code}`);
    if (d.reason) parts.push(`reason ${d.reason}`);
    return parts.join(", ") || String(d);
  }
  return String(d);
}

function show(data) {
  if (typeof data === "string") return JSON.stringify(data.length > 40 ? data.slice(0, 40) + "..." : data);
  return `<binary ${data.length} bytes>`;
}

async function expectText(c, want) {
  const got = await c.next();
  if (got !== want) fail(`at step ${h.step}: got ${show(got)}, want ${show(want)}`);
}

async function expectBinary(c, want) {
  const got = await c.next();
  if (!Buffer.isBuffer(got)) fail(`at step ${h.step}: got ${show(got)} (${typeof got}), want a Buffer of ${want.length} bytes`);
  if (!got.equals(want)) fail(`at step ${h.step}: got ${got.length} bytes that differ from the ${want.length} sent`);
}

// Echo and transport checks on a single transport; the server answers
// "transport?" with "transport:" + EngineSession.Transport().
async function echo(transport) {
  const c = connect({ transports: [transport] });
  const seen = new Set();
  const look = () => seen.add(c.socket.transport.name);
  c.socket.on("upgrading", (t) => fail(`upgrading to ${t.name} with transports [${transport}]`));
  h.step = "open";
  await c.opened;
  look();
  h.step = "echo hello";
  c.socket.send("hello");
  await expectText(c, "hello");
  look();
  h.step = "echo multi-byte UTF-8";
  c.socket.send("héllo ✓ 🚀");
  await expectText(c, "héllo ✓ 🚀");
  look();
  h.step = "echo three messages sent at once";
  for (const m of ["one", "two", "three"]) c.socket.send(m);
  for (const m of ["one", "two", "three"]) await expectText(c, m);
  look();
  h.step = "server transport";
  c.socket.send("transport?");
  const server = await c.next();
  look();
  h.step = "close";
  c.socket.close();
  await c.closed;
  finish({ transports: [...seen], server });
}

async function upgrade() {
  const c = connect({});
  const upgraded = new Promise((resolve) => c.socket.once("upgrade", (t) => resolve(t.name)));
  h.step = "open";
  await c.opened;
  const openTransport = c.socket.transport.name;
  h.step = "echo before the upgrade";
  c.socket.send("before");
  await expectText(c, "before");
  h.step = "upgrade";
  const upgradedTo = await upgraded;
  const afterUpgrade = c.socket.transport.name;
  h.step = "echo after the upgrade";
  c.socket.send("after");
  await expectText(c, "after");
  h.step = "server transport";
  c.socket.send("transport?");
  const server = await c.next();
  const final = c.socket.transport.name;
  h.step = "close";
  c.socket.close();
  await c.closed;
  finish({ openTransport, upgradedTo, afterUpgrade, final, server });
}

// binaryPayloads are also known to the Go test: every byte value, one
// byte, and a large pseudo-random message.
function binaryPayloads() {
  const every = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) every[i] = i;
  const large = new Uint8Array(100000);
  for (let i = 0; i < large.length; i++) large[i] = (i * 7 + 3) % 251;
  return [every, Buffer.from([0x34]), large];
}

async function binary(transport) {
  const c = connect({ transports: [transport] });
  h.step = "open";
  await c.opened;
  const sizes = [];
  for (const p of binaryPayloads()) {
    h.step = `binary echo of ${p.length} bytes (${p.constructor.name})`;
    c.socket.send(p);
    await expectBinary(c, Buffer.from(p));
    sizes.push(p.length);
  }
  h.step = "text after binary";
  c.socket.send("4text");
  await expectText(c, "4text");
  const name = c.socket.transport.name;
  h.step = "close";
  c.socket.close();
  await c.closed;
  finish({ transport: name, sizes });
}

// The client answers the server's pings for a few intervals, then says
// "bye" and closes. Any close before that is the server's doing.
async function heartbeat(transport) {
  const want = Number(arg || 3);
  const c = connect({ transports: [transport] });
  let pings = 0;
  let closing = false;
  c.closed.then((reason) => {
    if (!closing) fail(`closed (${reason}) after ${pings} pings, want ${want} first`);
  });
  const enough = new Promise((resolve) => {
    c.socket.on("ping", () => {
      pings++;
      emit({ event: "ping", n: pings });
      if (pings === want) resolve();
    });
  });
  h.step = "open";
  await c.opened;
  const start = Date.now();
  h.step = `wait for ${want} pings`;
  await enough;
  const elapsedMs = Date.now() - start;
  h.step = "bye";
  closing = true;
  c.socket.send("bye");
  c.socket.close();
  const reason = await c.closed;
  finish({ pings, elapsedMs, reason, transport });
}

async function clientClose(transport) {
  const c = connect({ transports: [transport] });
  h.step = "open";
  await c.opened;
  h.step = "echo";
  c.socket.send("hello");
  await expectText(c, "hello");
  h.step = "close";
  c.socket.close();
  const reason = await c.closed;
  finish({ reason, transport });
}

// Sends a message whose packet is one under maxPayload, one at it, then one
// over it, which must close the session.
async function payloadLimit(transport) {
  const c = connect({ transports: [transport] });
  let maxPayload = 0;
  c.socket.once("handshake", (h) => (maxPayload = h.maxPayload));
  h.step = "open";
  await c.opened;
  if (!(maxPayload > 1)) fail(`handshake maxPayload = ${maxPayload}`);
  const echoed = [];
  for (const packetLen of [maxPayload - 1, maxPayload]) {
    h.step = `echo a ${packetLen}-byte packet`;
    const msg = "x".repeat(packetLen - 1); // the packet is "4" + msg
    c.socket.send(msg);
    await expectText(c, msg);
    echoed.push(packetLen);
  }
  h.step = `send a ${maxPayload + 1}-byte packet`;
  c.socket.send("y".repeat(maxPayload));
  const late = [];
  c.socket.on("message", (m) => late.push(show(m)));
  const reason = await c.closed;
  if (late.length > 0) fail(`got ${late.join(", ")} after the oversized packet, want only a close`);
  finish({ maxPayload, echoed, reason, transport });
}

// A healthy burst reader: acknowledges every <arg> messages with
// "ack:<count>", checks each burst message's sequence number, and reports
// when the server says "done:<total>".
async function burstReader() {
  const every = Number(arg);
  const c = connect({ transports: ["websocket"] });
  h.step = "open";
  await c.opened;
  c.socket.send("role:healthy");
  let count = 0;
  let bytes = 0;
  for (;;) {
    h.step = `burst message ${count + 1}`;
    const m = await c.next();
    if (typeof m !== "string") fail(`got ${show(m)}, want a burst message`);
    if (m.startsWith("done:")) {
      const total = Number(m.slice(5));
      c.socket.close();
      finish({ count, bytes, total });
      return;
    }
    const seq = Number(m.slice(0, m.indexOf(":")));
    if (seq !== count) fail(`burst message ${count} has sequence number ${seq}: lost or reordered`);
    count++;
    bytes += m.length;
    if (count % every === 0) c.socket.send(`ack:${count}`);
  }
}

// A slow reader: stops reading from its TCP socket right after the open
// packet, says so, and waits until stdin closes.
async function slowReader() {
  const c = connect({ transports: ["websocket"] });
  h.step = "open";
  await c.opened;
  const ws = c.socket.transport.ws;
  if (!ws || typeof ws.pause !== "function") fail("socket.transport.ws has no pause(): not the ws package?");
  // ws's pause() pauses the net.Socket (no more reads: the kernel's
  // receive buffer fills, then the server's send buffer) and keeps ws
  // itself from resuming it when its parser drains.
  ws.pause();
  c.socket.send("role:slow"); // writing still works
  emit({ event: "paused", paused: ws.isPaused });
  h.step = "paused, waiting for stdin to close";
  process.stdin.resume();
  process.stdin.on("end", () => {
    finish({ paused: ws.isPaused });
    process.exit(0); // the paused socket would keep Node alive
  });
}

const scenarios = {
  "echo-polling": () => echo("polling"),
  "echo-websocket": () => echo("websocket"),
  upgrade,
  "binary-polling": () => binary("polling"),
  "binary-websocket": () => binary("websocket"),
  "heartbeat-polling": () => heartbeat("polling"),
  "heartbeat-websocket": () => heartbeat("websocket"),
  "close-polling": () => clientClose("polling"),
  "close-websocket": () => clientClose("websocket"),
  "limit-polling": () => payloadLimit("polling"),
  "limit-websocket": () => payloadLimit("websocket"),
  "burst-reader": burstReader,
  "slow-reader": slowReader,
};

if (!url || !scenarios[scenario]) {
  fail(`usage: node engine_client.js <url> <scenario> [arg]; scenarios: ${Object.keys(scenarios).join(", ")}`);
}
scenarios[scenario]().catch((err) => fail(`at step ${h.step}: ${err && err.stack ? err.stack : err}`));
