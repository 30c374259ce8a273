"use strict";
// Drives one end-to-end scenario against a Socket.IO v5 server with the
// official socket.io-client (see ../../sio_e2e_test.go):
//
//   node sio_client.js <server URL> <scenario> <polling|websocket|default> <json|msgpack>
//
// "default" is the client's default: polling first, then the upgrade to
// WebSocket. "msgpack" plugs in socket.io-msgpack-parser.
//
// It prints one JSON object per line on stdout: events as they happen
// ({"event":"..."}), then {"event":"result",...}, and exits 0 once its
// sockets are closed. On failure it prints the reason on stderr and exits 1.
// Received values are printed through plain(), which spells out binary
// ("buffer:<hex>"), so the Go test sees exactly what the client got. The Go
// test asserts on the output and on what the server saw; this script fails
// only when the client cannot go on (a refused or lost connection, a missing
// event).
//
// Every client runs with reconnection: false: a client the server drops
// stays dropped, so each run ends, and the disconnect reason tells what a
// reconnecting client would have done.

const { io } = require("socket.io-client");
const { harness, clientOptions, plain } = require("./harness");

const [url, scenario, transport, parserName] = process.argv.slice(2);
const h = harness(`sio_client.js ${scenario} ${transport} ${parserName}`);
const { emit, fail, finish } = h;
// How long an acknowledgement may take before the client gives up.
const ackTimeoutMs = 5000;

const options = (extra) => clientOptions(h, transport, parserName, extra);

// connected resolves once socket is connected; a connect_error fails.
function connected(socket, name) {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once("connect", resolve);
    socket.once("connect_error", (err) =>
      reject(new Error(`${name}: connect_error ${err.message} ${JSON.stringify(plain(err.data))}`)),
    );
  });
}

// refused resolves with the connect_error's error; a connect fails.
function refused(socket, name) {
  return new Promise((resolve, reject) => {
    socket.once("connect_error", resolve);
    socket.once("connect", () => reject(new Error(`${name}: connected (id ${socket.id}), want connect_error`)));
  });
}

// once resolves with the arguments of the next event.
function once(socket, event) {
  return new Promise((resolve) => socket.once(event, (...args) => resolve(args)));
}

// disconnected resolves with the reason of the socket's next disconnect.
function disconnected(socket) {
  return new Promise((resolve) => socket.once("disconnect", (reason) => resolve(reason)));
}

// ask emits with an acknowledgement and resolves with all of its arguments.
function ask(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(ackTimeoutMs).emit(event, ...args, (err, ...answer) => {
      if (err) reject(new Error(`${event}: no ack within ${ackTimeoutMs}ms (${err.message})`));
      else resolve(answer);
    });
  });
}

// settled waits, for the default transports, until the upgrade to
// WebSocket is done, so that what follows has a known transport.
async function settled(socket) {
  const engine = socket.io.engine;
  if (transport !== "default" || engine.transport.name === "websocket") return;
  await new Promise((resolve) => engine.once("upgrade", resolve));
}

function transportOf(socket) {
  return socket.io.engine.transport.name;
}

// Scenario 1: connect with auth. The server answers "ready" with what it
// saw; the client then waits for the upgrade (default transports) and
// disconnects.
async function connectAuth() {
  const socket = io(url, options({ auth: { token: "abc" } }));
  const ready = once(socket, "ready");
  h.step = "connect";
  await connected(socket, "/");
  const id = socket.id;
  h.step = "ready from the server";
  const server = await ready;
  h.step = "upgrade";
  await settled(socket);
  const final = transportOf(socket);
  h.step = "disconnect";
  const reason = disconnected(socket);
  socket.disconnect();
  finish({ id, server: plain(server), transport: final, reason: await reason });
}

// Scenario 2: three namespaces through one Manager.
async function namespaces() {
  const sockets = ["/", "/a", "/b"].map((nsp) => ({ nsp, socket: io(nsp === "/" ? url : url + nsp, options()) }));
  h.step = "connect to /, /a and /b";
  await Promise.all(sockets.map((s) => connected(s.socket, s.nsp)));
  const managers = new Set(sockets.map((s) => s.socket.io)).size;
  const engineIDs = [...new Set(sockets.map((s) => s.socket.io.engine.id))];
  const out = [];
  for (const s of sockets) {
    h.step = `whoami on ${s.nsp}`;
    const [server] = await ask(s.socket, "whoami");
    out.push({ nsp: s.nsp, id: s.socket.id, server: plain(server) });
  }
  h.step = "disconnect";
  const reasons = sockets.map((s) => disconnected(s.socket));
  for (const s of sockets) s.socket.disconnect();
  await Promise.all(reasons);
  finish({ managers, engineIDs, sockets: out });
}

// Scenario 3: "/" refuses in its middleware, "/nope" does not exist, "/ok"
// accepts; all three share one Manager, so one connection.
async function connectError() {
  const root = io(url, options({ auth: { token: "wrong" } }));
  const nope = io(url + "/nope", options());
  const ok = io(url + "/ok", options());
  h.step = "connect_error on / and /nope, connect on /ok";
  const [rootErr, nopeErr] = await Promise.all([refused(root, "/"), refused(nope, "/nope"), connected(ok, "/ok")]);
  const describe = (err) => ({ message: err.message, data: plain(err.data) });
  h.step = "ack on /ok after the refusals";
  const [answer] = await ask(ok, "ping");
  const engineIDs = [...new Set([root, nope, ok].map((s) => s.io.engine.id))];
  h.step = "disconnect";
  const reason = disconnected(ok);
  ok.disconnect();
  await reason;
  finish({ root: describe(rootErr), nope: describe(nopeErr), okAnswer: plain(answer), engineIDs });
}

// The values scenario 4 sends; sio_e2e_test.go knows them too.
function every256() {
  const b = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) b[i] = i;
  return b;
}

// Scenario 4: events with JSON and binary arguments, both ways, with acks.
async function events() {
  const socket = io(url, options());
  const fromServer = once(socket, "fromServer");
  const forwarded = once(socket, "forwarded");
  h.step = "connect";
  await connected(socket, "/");

  h.step = "typed";
  const typed = await ask(socket, "typed", "héllo ✓ 🚀", -42, {
    flag: true,
    ratio: 1.5,
    tags: ["a", "b"],
    nested: { count: 7, missing: null },
  });

  h.step = "binary at depth";
  const binary = await ask(socket, "binary", {
    meta: "m",
    payload: { data: every256() },
    list: [Buffer.from([1, 2, 3]), Buffer.alloc(0)],
  });

  h.step = "forward";
  const forwardArgs = ["text", { bin: Buffer.from([9, 8, 7]), n: 1 }, [Buffer.from([1]), 2], null];
  const forwardAck = await ask(socket, "forward", ...forwardArgs);
  h.step = "forwarded event";
  const forwardEvent = await forwarded;

  h.step = "binary from the server";
  socket.emit("sendMe");
  const server = await fromServer;

  h.step = "disconnect";
  const reason = disconnected(socket);
  socket.disconnect();
  await reason;
  finish({
    typed: plain(typed),
    binary: plain(binary),
    forwardAck: plain(forwardAck),
    forwardEvent: plain(forwardEvent),
    fromServer: plain(server),
  });
}

// Scenario 5: the server asks, the client answers; one question it holds
// until the server has given up, then answers late.
async function serverAck() {
  const socket = io(url, options());
  const seen = [];
  socket.onAny((event) => seen.push(event));
  let held = null;
  socket.on("question", (n, s, cb) => cb(n * 2, s + "!", { n }));
  socket.on("binQuestion", (b, cb) => cb({ got: b, more: Buffer.concat([b, Buffer.from([4])]) }));
  socket.on("ignore", (n, cb) => {
    held = cb;
    emit({ event: "holding", n });
  });
  socket.on("answerLate", () => {
    if (!held) fail("answerLate before ignore");
    held("late", 1);
    socket.emit("lateSent");
  });
  const bye = once(socket, "bye");
  h.step = "connect";
  await connected(socket, "/");
  h.step = "the server's questions, until bye";
  await bye;
  h.step = "disconnect";
  const reason = disconnected(socket);
  socket.disconnect();
  await reason;
  finish({ seen });
}

// Scenario 6: A, B and C on three connections; A and B join room "r".
async function rooms() {
  const names = ["A", "B", "C"];
  const clients = {};
  for (const name of names) {
    const socket = io(url, options({ forceNew: true, auth: { name } }));
    const got = [];
    socket.on("msg", (text) => {
      got.push(text);
      emit({ event: "msg", to: name, text });
    });
    clients[name] = { socket, got, end: once(socket, "end") };
  }
  h.step = "connect A, B and C";
  await Promise.all(names.map((n) => connected(clients[n].socket, n)));
  const joined = {};
  for (const n of ["A", "B"]) {
    h.step = `${n} joins r`;
    [joined[n]] = await ask(clients[n].socket, "join", "r");
  }
  const ids = {};
  for (const n of names) ids[n] = clients[n].socket.id;
  emit({ event: "joined", rooms: joined, ids });
  clients.A.socket.emit("toRoom", "r", "socket.to(r) from A");
  h.step = "end from the server on every socket";
  await Promise.all(names.map((n) => clients[n].end));
  h.step = "disconnect";
  const reasons = names.map((n) => disconnected(clients[n].socket));
  for (const n of names) clients[n].socket.disconnect();
  await Promise.all(reasons);
  const got = {};
  for (const n of names) got[n] = clients[n].got;
  finish({ got });
}

// Scenario 7: join then emit to the room, from a handler, many times over;
// and from the connection handler ("welcome").
async function joinThenEmit() {
  const n = 20;
  const socket = io(url, options());
  const missing = new Set();
  for (let i = 0; i < n; i++) missing.add(`x${i}`);
  const hellos = [];
  let welcome = null;
  const progress = () => {
    h.step = `waiting for ${welcome === null ? "welcome and " : ""}hello ${[...missing].join(", ")}`;
  };
  const done = new Promise((resolve) => {
    const check = () => {
      progress();
      if (missing.size === 0 && welcome !== null) resolve();
    };
    socket.on("hello", (room) => {
      hellos.push(room);
      missing.delete(room);
      check();
    });
    socket.on("welcome", (id) => {
      welcome = id;
      check();
    });
  });
  h.step = "connect";
  await connected(socket, "/");
  const id = socket.id;
  for (let i = 0; i < n; i++) socket.emit("joinAndHello", `x${i}`);
  progress();
  await done;
  h.step = "disconnect";
  const reason = disconnected(socket);
  socket.disconnect();
  await reason;
  finish({ id, welcome, hellos });
}

// Scenario 8: a volatile broadcast reaches a connected client.
async function volatileSmoke() {
  const socket = io(url, options());
  const v = once(socket, "v");
  h.step = "connect";
  await connected(socket, "/");
  h.step = "volatile event";
  const [arg] = await v;
  h.step = "disconnect";
  const reason = disconnected(socket);
  socket.disconnect();
  await reason;
  finish({ arg: plain(arg), transport: transportOf(socket) });
}

// Scenario 9: "/" and "/other" on one connection; mode says who ends "/".
async function disconnectReasons(mode) {
  const root = io(url, options());
  const other = io(url + "/other", options());
  const rootReason = disconnected(root);
  const otherReason = disconnected(other);
  const ready = once(root, "ready");
  h.step = "connect / and /other";
  await Promise.all([connected(root, "/"), connected(other, "/other")]);
  h.step = "ready from the server";
  await ready;
  h.step = "upgrade";
  await settled(root);
  emit({ event: "ready", transport: transportOf(root) });
  switch (mode) {
    case "client":
      root.disconnect();
      break;
    case "engine":
      root.io.engine.close();
      break;
    // server, close, kill: the Go test acts
  }
  h.step = "disconnect of /";
  const result = { root: await rootReason };
  // socket.io-client dispatches each decoded packet on its own tick, so
  // /other's DISCONNECT may follow /'s even within one payload: give it a
  // bounded moment before concluding that /other stayed connected.
  if (other.connected) {
    h.step = "/other: its own disconnect, or still connected";
    const late = await Promise.race([otherReason, new Promise((res) => setTimeout(() => res(null), 1000))]);
    if (late === null) {
      result.otherStillConnected = true;
      other.disconnect();
    }
  }
  h.step = "disconnect of /other";
  result.other = await otherReason;
  finish(result);
}

// Scenario 10: one client sends an event over the server's payload limit;
// another, on its own connection, goes on.
async function payloadLimit() {
  const big = io(url, options({ forceNew: true, auth: { name: "big" } }));
  const small = io(url, options({ forceNew: true, auth: { name: "small" } }));
  h.step = "connect both";
  await Promise.all([connected(big, "big"), connected(small, "small")]);
  h.step = "upgrade";
  await Promise.all([settled(big), settled(small)]);
  const bigTransport = transportOf(big);
  const bigReason = disconnected(big);
  const late = [];
  big.onAny((event) => late.push(event));
  h.step = "send the oversized event";
  big.emit("big", "x".repeat(5000)); // the Go test sets a limit well under it
  h.step = "disconnect of the sender";
  const reason = await bigReason;
  h.step = "ack on the other connection";
  const [answer] = await ask(small, "small", "still here");
  h.step = "disconnect";
  const smallReason = disconnected(small);
  small.disconnect();
  await smallReason;
  finish({ bigReason: reason, bigTransport, late, answer: plain(answer) });
}

// Forwarded arguments nested in other values (sio_faithful_e2e_test.go):
// the client sends text, binary at depth, a list with binary and a null,
// asking for an ack; the server answers and emits "nested" with those
// arguments inside maps, lists and structs, then "values": Go values that
// must arrive alike with both parsers.
async function forwardNested() {
  const socket = io(url, options());
  const nested = once(socket, "nested");
  const values = once(socket, "values");
  h.step = "connect";
  await connected(socket, "/");
  await settled(socket);
  h.step = "relay, answered with the arguments nested";
  const ack = await ask(socket, "relay", "text", { bin: Buffer.from([9, 8, 7]), n: 1 }, [Buffer.from([1]), 2], null);
  h.step = "the nested event";
  const event = await nested;
  h.step = "the values event";
  const goValues = await values;
  h.step = "disconnect";
  const reason = disconnected(socket);
  socket.disconnect();
  await reason;
  finish({ ack: plain(ack), nested: plain(event), values: plain(goValues) });
}

// Arguments that do not fit the server's typed handler
// (sio_faithful_e2e_test.go): "move" wants (number, {x: number}). Acks come
// back in order, so once the last (fitting) event is answered, any answer
// to the earlier ones would have come: the client reports what it got.
async function argumentMismatch() {
  const socket = io(url, options());
  h.step = "connect";
  await connected(socket, "/");
  await settled(socket);
  const answers = {};
  const record = (name) => (...args) => {
    answers[name] = plain(args);
  };
  h.step = "events that do not fit, then one that does";
  socket.emit("move", "not a number", { x: 1 }, record("first"));
  socket.emit("move", 5, { x: "not a number" }, record("second"));
  const ok = await ask(socket, "move", 5, { x: 2 });
  h.step = "disconnect";
  const reason = disconnected(socket);
  socket.disconnect();
  await reason;
  finish({ answers, ok: plain(ok) });
}

const scenarios = {
  connect: connectAuth,
  namespaces,
  "connect-error": connectError,
  events,
  "server-ack": serverAck,
  rooms,
  "join-emit": joinThenEmit,
  volatile: volatileSmoke,
  "disconnect-client": () => disconnectReasons("client"),
  "disconnect-server": () => disconnectReasons("server"),
  "disconnect-close": () => disconnectReasons("close"),
  "disconnect-engine": () => disconnectReasons("engine"),
  "disconnect-kill": () => disconnectReasons("kill"),
  limit: payloadLimit,
  "forward-nested": forwardNested,
  "argument-mismatch": argumentMismatch,
};

if (!url || !scenarios[scenario] || !transport || !parserName) {
  fail(
    `usage: node sio_client.js <url> <scenario> <polling|websocket|default> <json|msgpack>; scenarios: ${Object.keys(scenarios).join(", ")}`,
  );
}
scenarios[scenario]().catch((err) => fail(`at step ${h.step}: ${err && err.stack ? err.stack : err}`));
