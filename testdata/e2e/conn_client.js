"use strict";
// Drives the Conn and Engine scenarios (../../conn_e2e_test.go) with the
// official socket.io-client, default transports (polling, then the upgrade
// to WebSocket):
//
//   node conn_client.js <server URL> <scenario>
//
// It prints one JSON object per line on stdout, the last one
// {"event":"result",...}, and exits 0 once its socket is closed; on failure
// it prints the reason on stderr and exits 1.

const { io } = require("socket.io-client");
const { harness } = require("./harness");

const [url, scenario] = process.argv.slice(2);
const h = harness(`conn_client.js ${scenario}`);
const { emit, fail, finish } = h;

function connected(socket) {
  return new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", (err) => reject(new Error(`connect_error ${err.message}`)));
  });
}

function once(socket, event) {
  return new Promise((resolve) => socket.once(event, (...args) => resolve(args)));
}

// conn: the server's Conn and Request, seen through one client's life.
// The client sends a cookie and a header with its handshake, upgrades,
// asks the server what it saw ("info"), waits until the server has seen a
// heartbeat ("done"), then disconnects.
async function conn() {
  const socket = io(url, {
    reconnection: false,
    extraHeaders: { cookie: "flavour=oat", "x-trace": "t-1" },
  });
  let first = "";
  socket.io.once("open", () => (first = socket.io.engine.transport.name));
  h.step = "connect";
  await connected(socket);
  const engine = socket.io.engine;
  const engineId = engine.id;
  h.step = "upgrade";
  if (engine.transport.name !== "websocket") {
    await new Promise((resolve) => engine.once("upgrade", resolve));
  }
  emit({ event: "upgraded", engineId });
  h.step = "the server's heartbeat";
  await once(socket, "done");
  h.step = "info";
  const info = await new Promise((resolve, reject) => {
    socket.timeout(5000).emit("info", (err, answer) => (err ? reject(err) : resolve(answer)));
  });
  h.step = "disconnect";
  const reason = once(socket, "disconnect");
  socket.disconnect();
  await reason;
  finish({ engineId, first, last: engine.transport.name, info });
}

// id: the session id the client was given, or why it was refused.
async function id() {
  const socket = io(url, { reconnection: false });
  h.step = "connect";
  const outcome = await new Promise((resolve) => {
    socket.once("connect", () => resolve({ connected: true }));
    socket.once("connect_error", (err) =>
      resolve({
        connected: false,
        message: err.message,
        status: err.description,
        body: err.context && err.context.responseText,
      }),
    );
  });
  const engineId = outcome.connected ? socket.io.engine.id : "";
  if (outcome.connected) {
    h.step = "disconnect";
    const reason = once(socket, "disconnect");
    socket.disconnect();
    await reason;
  }
  finish({ engineId, ...outcome });
}

const scenarios = { conn, id };

if (!url || !scenarios[scenario]) {
  fail(`usage: node conn_client.js <url> <${Object.keys(scenarios).join("|")}>`);
}
scenarios[scenario]().catch((err) => fail(`at step ${h.step}: ${err && err.stack ? err.stack : err}`));
