"use strict";
// Drives one end-to-end scenario against a server with allowEIO3, with the
// official socket.io-client 2.5.0 (npm alias socket.io-client-v2: Engine.IO
// protocol 3, Socket.IO protocol 4), and for "rooms" a 4.x client beside it
// (see ../../eio3_e2e_test.go):
//
//   node eio3_client.js <server URL> <scenario> <polling|websocket|default> [quiet ms, for heartbeat]
//
// Output as sio_client.js: one JSON object per line, then
// {"event":"result",...}; binary is spelled "buffer:<hex>" by plain().
// Every client runs with reconnection: false.

const io2 = require("socket.io-client-v2");
const { io: io4 } = require("socket.io-client");
const { harness, plain } = require("./harness");

const [url, scenario, transport, quietMs] = process.argv.slice(2);
const h = harness(`eio3_client.js ${scenario} ${transport}`);
const { emit, fail, finish } = h;

function options(extra) {
  const o = { reconnection: false, forceNew: true, ...extra };
  if (transport === "polling" || transport === "websocket") o.transports = [transport];
  else if (transport !== "default") fail(`unknown transport ${transport}`);
  return o;
}

// connected resolves once a 2.x socket is connected; its "error" (a
// middleware's refusal) or a connect_error (a refused engine) fails.
function connected(socket, name) {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once("connect", resolve);
    socket.once("error", (err) => reject(new Error(`${name}: error ${JSON.stringify(err)}`)));
    socket.once("connect_error", (err) => reject(new Error(`${name}: connect_error ${err && err.message}`)));
  });
}

// upgraded resolves once a "default" client is on WebSocket (at once for
// the others), so that what follows runs on the transport the run is about.
function upgraded(socket) {
  const engine = socket.io.engine;
  if (transport !== "default" || engine.transport.name === "websocket") return Promise.resolve();
  return new Promise((resolve) => engine.once("upgrade", resolve));
}

const ack = (socket, ...args) => new Promise((resolve) => socket.emit(...args, (...res) => resolve(res)));
const once = (socket, ev) => new Promise((resolve) => socket.once(ev, (...args) => resolve(args)));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const scenarios = {
  // connect, the server's hello (binary), emit with ack both ways, binary
  // both ways, then the client disconnects.
  async basic() {
    const socket = io2(url, options({ query: { token: "abc" } }));
    socket.on("ask", (text, bin, cb) => cb(`got ${text}`, Buffer.concat([bin, Buffer.from([0xff])])));
    const hello = once(socket, "hello");
    h.step = "connect";
    await connected(socket, "/");
    await upgraded(socket);
    emit({ event: "connected", id: socket.id, engine: socket.io.engine.id });
    h.step = "hello";
    const hi = await hello;
    h.step = "echo ack";
    const echoed = await ack(socket, "echo", "text", Buffer.from([9, 8, 7]), { n: 1 });
    h.step = "server ask";
    const asked = await ack(socket, "ask me");
    const reason = once(socket, "disconnect");
    const tr = socket.io.engine.transport.name;
    socket.close();
    finish({ hello: plain(hi), echoed: plain(echoed), asked: plain(asked), transport: tr, reason: (await reason)[0] });
  },

  // A 2.x and a 4.x client in one room get the same broadcasts, binary
  // included.
  async rooms() {
    const v2 = io2(url, options({ query: { name: "v2" } }));
    const v4 = io4(url, { ...options({}), auth: { name: "v4" } });
    h.step = "connect";
    await Promise.all([connected(v2, "v2"), connected(v4, "v4")]);
    await upgraded(v2);
    const got = { v2: [], v4: [] };
    const done = [];
    for (const [name, s] of [["v2", v2], ["v4", v4]]) {
      done.push(new Promise((resolve) => {
        s.on("msg", (...args) => {
          got[name].push(plain(args));
          if (args[0] === "last") resolve();
        });
      }));
    }
    h.step = "join";
    await Promise.all([ack(v2, "join", "r"), ack(v4, "join", "r")]);
    emit({ event: "joined" });
    h.step = "broadcasts";
    await Promise.all(done);
    const tr = v2.io.engine.transport.name;
    v2.close();
    v4.close();
    finish({ got, transport: tr });
  },

  // A namespace whose query is the 2.x CONNECT's only: the manager's
  // engine URL has none.
  async namespace() {
    const manager = new io2.Manager(url, options({}));
    const admin = manager.socket("/admin", { query: { token: "x y" } });
    h.step = "connect /admin";
    await connected(admin, "/admin");
    await upgraded(admin);
    const id = admin.id; // deleted at the disconnect, as the engine's
    const engine = manager.engine.id;
    h.step = "whoami";
    // Listening first: the DISCONNECT may come in the ack's poll payload.
    const reason = once(admin, "disconnect");
    const tr = manager.engine.transport.name;
    const [who] = await ack(admin, "whoami");
    emit({ event: "connected" });
    finish({ id, engine, who, transport: tr, reason: (await reason)[0] });
  },

  // Middleware refusals: "/" by message, /private with data.
  async refused() {
    const root = io2(url, options({}));
    h.step = "error on /";
    const [rootErr] = await once(root, "error");
    const priv = root.io.socket("/private");
    h.step = "error on /private";
    const [privErr] = await once(priv, "error");
    root.close();
    priv.close();
    finish({ root: plain(rootErr), priv: plain(privErr) });
  },

  // A quiet connection outlives pingInterval + pingTimeout many times over.
  async heartbeat() {
    const socket = io2(url, options({}));
    let reason = "";
    socket.on("disconnect", (r) => (reason = r));
    h.step = "connect";
    await connected(socket, "/");
    await upgraded(socket);
    let pongs = 0;
    socket.io.engine.on("pong", () => pongs++);
    h.step = "quiet";
    await sleep(Number(quietMs));
    h.step = "still";
    const [still] = await ack(socket, "still");
    const reasonWhileQuiet = reason;
    const gone = once(socket, "disconnect");
    socket.emit("bye");
    const [serverReason] = await gone;
    finish({ still, pongs, reasonWhileQuiet, reason: serverReason });
  },

  // The server refuses EIO=3.
  async unsupported() {
    const socket = io2(url, options({}));
    h.step = "connect_error";
    const [err] = await once(socket, "connect_error");
    socket.close();
    finish({ error: String(err && (err.message || err)), description: err && err.description });
  },
};

const run = scenarios[scenario];
if (!run) fail(`unknown scenario ${scenario}`);
run().catch((err) => fail(err.stack || String(err)));
