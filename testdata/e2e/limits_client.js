"use strict";
// Drives the limits, Origin and TLS scenarios with the official
// socket.io-client (see ../../limits_e2e_test.go and tls_e2e_test.go):
//
//   node limits_client.js <server URL> conns <polling|websocket> <n> <hold|cycle> [x-forwarded-for]
//   node limits_client.js <server URL> events <polling|websocket> <n> <ack|noack>
//   node limits_client.js <server URL> tls <polling|websocket> <CA file> <clients>
//   node limits_client.js <server URL> demo <polling|websocket> <CA file>
//
// It prints one JSON object per line on stdout, the last {"event":"result",...},
// and exits 0 once its sockets are closed; on failure it prints the reason on
// stderr and exits 1. Clients run with reconnection: false.

const fs = require("fs");
const { io } = require("socket.io-client");
const { harness } = require("./harness");

const [url, scenario, transport, ...rest] = process.argv.slice(2);
const h = harness(`limits_client.js ${scenario} ${transport}`);
const { emit, fail, finish } = h;

function options(extra) {
  if (transport !== "polling" && transport !== "websocket") fail(`unknown transport ${transport}`);
  return { reconnection: false, forceNew: true, transports: [transport], ...extra };
}

// outcome resolves with how a connection attempt ended: connected, or the
// connect_error as the client saw it (the HTTP status and body, where the
// transport exposes them).
function outcome(socket) {
  return new Promise((resolve) => {
    socket.once("connect", () => resolve({ ok: true }));
    socket.once("connect_error", (err) => {
      const d = err.description;
      const ctx = err.context;
      resolve({
        ok: false,
        message: err.message,
        description: d && typeof d === "object" ? String(d.message) : String(d),
        body: ctx && typeof ctx.responseText === "string" ? ctx.responseText : "",
      });
    });
  });
}

function disconnected(socket) {
  return new Promise((resolve) => {
    if (!socket.connected) return resolve("not connected");
    socket.once("disconnect", (reason) => resolve(reason));
  });
}

// conns opens n connections one after another, holding them all (hold) or
// closing each once it is open (cycle), and reports each attempt.
async function conns() {
  const [n, mode, xff] = [Number(rest[0]), rest[1], rest[2]];
  const extra = xff ? { extraHeaders: { "X-Forwarded-For": xff } } : {};
  const results = [];
  const held = [];
  for (let i = 0; i < n; i++) {
    h.step = `connection ${i}`;
    const socket = io(url, options(extra));
    const res = await outcome(socket);
    results.push(res);
    emit({ event: "attempt", i, ...res });
    if (res.ok && mode === "cycle") {
      const gone = disconnected(socket);
      socket.disconnect();
      await gone;
    } else if (res.ok) {
      held.push(socket);
    } else {
      socket.close();
    }
  }
  h.step = "close the held connections";
  for (const s of held) s.disconnect();
  finish({ results });
}

// events emits n "echo" events at once, with acks (ack) or without (noack),
// and reports the acks and the disconnect reason, if any.
async function events() {
  const [n, mode] = [Number(rest[0]), rest[1]];
  const socket = io(url, options());
  h.step = "connect";
  const res = await outcome(socket);
  if (!res.ok) fail(`connect_error ${res.message} ${res.description}`);
  let reason = "";
  const gone = new Promise((resolve) => socket.once("disconnect", (r) => { reason = r; resolve(); }));
  if (mode === "ack") {
    h.step = `${n} events with acks`;
    const acks = await Promise.all(
      Array.from({ length: n }, (_, i) => socket.timeout(5000).emitWithAck("echo", i)),
    );
    socket.disconnect();
    await gone;
    finish({ acks, reason });
    return;
  }
  h.step = `${n} events, then the server's disconnect`;
  for (let i = 0; i < n; i++) socket.emit("echo", i);
  await gone;
  finish({ reason });
}

// tls connects `clients` sockets over https/wss (trusting only the test's
// CA), has each ask for the broadcast, and reports what each got: a large
// broadcast to all, then an echo of a large message.
async function tls() {
  const [caFile, count] = [rest[0], Number(rest[1])];
  const ca = fs.readFileSync(caFile);
  const sockets = Array.from({ length: count }, () => io(url, options({ ca, rejectUnauthorized: true })));
  h.step = "connect";
  const outcomes = await Promise.all(sockets.map(outcome));
  outcomes.forEach((o, i) => { if (!o.ok) fail(`client ${i}: connect_error ${o.message} ${o.description}`); });
  h.step = "join";
  await Promise.all(sockets.map((s) => s.timeout(5000).emitWithAck("join")));
  h.step = "broadcast";
  const got = sockets.map((s) => new Promise((resolve) => s.once("big", (m) => resolve(m))));
  await sockets[0].timeout(5000).emitWithAck("broadcast");
  const bigs = await Promise.all(got);
  h.step = "echo";
  const big = "e".repeat(300000);
  const echoes = await Promise.all(sockets.map((s) => s.timeout(5000).emitWithAck("echo", big)));
  const result = {
    transports: sockets.map((s) => s.io.engine.transport.name),
    broadcast: bigs.map((m) => ({ len: m.length, ok: m === "b".repeat(m.length) })),
    echoes: echoes.map((m) => ({ len: m.length, ok: m === big })),
  };
  for (const s of sockets) s.disconnect();
  finish(result);
}

// demo joins actorio-server's demo chat over https/wss (trusting only the
// test's CA) and reports its welcome.
async function demo() {
  const ca = fs.readFileSync(rest[0]);
  const socket = io(url, options({ ca, rejectUnauthorized: true, auth: { username: `tls-${transport}` } }));
  const welcome = new Promise((resolve) => socket.once("welcome", resolve));
  h.step = "connect";
  const res = await outcome(socket);
  if (!res.ok) fail(`connect_error ${res.message} ${res.description}`);
  h.step = "welcome";
  const w = await welcome;
  const result = { transport: socket.io.engine.transport.name, username: w.username };
  socket.disconnect();
  finish(result);
}

const scenarios = { conns, events, tls, demo };
if (!scenarios[scenario]) fail(`unknown scenario ${scenario}`);
scenarios[scenario]().catch((err) => fail(`${h.step}: ${err.stack || err}`));
