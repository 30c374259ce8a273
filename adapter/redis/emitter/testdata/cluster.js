"use strict";
// A Node socket.io 4.8 server on @socket.io/redis-adapter 8.3 (createAdapter,
// Redis pub/sub) with official socket.io-client clients connected to it: what
// the Go emitter's end-to-end test publishes to.
//
//   node cluster.js REDIS_URL CLIENTS_JSON
//
// CLIENTS_JSON is [{"name": "a", "nsp": "/", "rooms": ["room1"]}, ...]: each
// client connects over WebSocket (no reconnection) and its server socket
// joins its rooms at connection. The server has the namespaces "/" and
// "/admin".
//
// It prints one JSON object per line on stdout:
//
//   {"event":"ready"}                             everyone connected, the adapter subscribed
//   {"event":"got","client","ev","args"}          a client received an event
//   {"event":"disconnect","client","reason"}      a client was disconnected
//   {"event":"server","nsp","ev","args"}          the server's serverSideEmit listener ran
//   {"event":"closed","client","reason"}          the server closed a client's connection
//                                                 ("forced close": only what the server does)
//
// args is JSON with a Buffer written {"$buffer": hex} and an ArrayBuffer
// {"$arraybuffer": hex}. It exits 0 when stdin closes; a failure is one line
// on stderr and exit 1, and so is not being ready within E2E_TIMEOUT_MS.

const http = require("http");
const { Server } = require("socket.io");
const { io: connect } = require("socket.io-client");
const { createClient } = require("redis");
const { createAdapter } = require("@socket.io/redis-adapter");

const [redisURL, clientsJSON] = process.argv.slice(2);
const specs = JSON.parse(clientsJSON);
const namespaces = ["/", "/admin"];
const timeoutMs = Number(process.env.E2E_TIMEOUT_MS) || 10000;
let step = "start";

const print = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
function fail(msg) {
  process.stderr.write(`cluster.js: ${msg}\n`);
  process.exit(1);
}

function describe(v) {
  if (Buffer.isBuffer(v)) return { $buffer: v.toString("hex") };
  if (v instanceof ArrayBuffer) return { $arraybuffer: Buffer.from(v).toString("hex") };
  if (Array.isArray(v)) return v.map(describe);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, describe(e)]));
  return v;
}
const args = (a) => JSON.stringify(describe(a));

// waitSubscribed resolves once the adapter of every namespace holds its
// subscriptions: the adapter subscribes without a promise to wait for.
async function waitSubscribed(pub) {
  const requestChannels = namespaces.map((n) => `socket.io-request#${n}#`);
  for (;;) {
    const numpat = await pub.sendCommand(["PUBSUB", "NUMPAT"]);
    const numsub = await pub.sendCommand(["PUBSUB", "NUMSUB", ...requestChannels]);
    const subscribed = numsub.filter((_, i) => i % 2 === 1).every((n) => Number(n) >= 1);
    if (Number(numpat) >= namespaces.length && subscribed) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function main() {
  const readyTimer = setTimeout(() => fail(`not ready within ${timeoutMs}ms, at step: ${step}`), timeoutMs);
  step = "connect to Redis";
  const pub = createClient({ url: redisURL });
  const sub = pub.duplicate();
  for (const c of [pub, sub]) c.on("error", (err) => fail(`redis: ${err.message}`));
  await Promise.all([pub.connect(), sub.connect()]);

  const httpServer = http.createServer();
  const io = new Server(httpServer, { adapter: createAdapter(pub, sub) });
  for (const name of namespaces) {
    const nsp = io.of(name);
    nsp.on("connection", (socket) => {
      const { name, rooms } = socket.handshake.auth;
      socket.join(rooms);
      socket.conn.on("close", (reason) => {
        if (reason === "forced close") print({ event: "closed", client: name, reason });
      });
    });
    nsp.on("hello", (...a) => print({ event: "server", nsp: name, ev: "hello", args: args(a) }));
  }
  step = "listen";
  await new Promise((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const port = httpServer.address().port;
  step = "wait for the adapter's subscriptions";
  await waitSubscribed(pub);

  step = "connect the clients";
  const clients = await Promise.all(
    specs.map(
      (spec) =>
        new Promise((resolve, reject) => {
          const socket = connect(`http://127.0.0.1:${port}${spec.nsp}`, {
            auth: { name: spec.name, rooms: spec.rooms },
            transports: ["websocket"],
            reconnection: false,
            forceNew: true,
          });
          socket.onAny((ev, ...a) => print({ event: "got", client: spec.name, ev, args: args(a) }));
          socket.on("disconnect", (reason) => print({ event: "disconnect", client: spec.name, reason }));
          socket.once("connect", () => resolve(socket));
          socket.once("connect_error", (err) => reject(new Error(`client ${spec.name}: ${err.message}`)));
        }),
    ),
  );
  clearTimeout(readyTimer);
  print({ event: "ready" });

  process.stdin.resume();
  process.stdin.on("end", async () => {
    for (const c of clients) c.disconnect();
    io.close();
    await Promise.all([pub.close(), sub.close()]);
    process.exit(0);
  });
}

main().catch((err) => fail(err.stack || err));
