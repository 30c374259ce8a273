// The Node.js reference server of the comparison benchmark. It implements
// docs/bench-contract.md (events join, leave, echo, relay, fanout, stats and the
// TICK_HZ game loop) on the npm socket.io package with its defaults
// (perMessageDeflate off, maxHttpBufferSize 1e6, pingInterval 25 s,
// pingTimeout 20 s), so the figures describe what a Node user gets out of the
// box.
//
//   PORT=3000 TICK_HZ=30 TICK_BYTES=100 node server.js
//
// Cluster mode (the contract's section 6): with REDIS_URL it joins a cluster
// through Redis before it listens, with the npm adapter a Node user would
// pick, on its defaults, over node-redis: @socket.io/redis-adapter's
// createAdapter (REDIS_ADAPTER unset or pubsub), its createShardedAdapter
// (sharded: Redis 7's SSUBSCRIBE) or @socket.io/redis-streams-adapter
// (streams). It then also handles count and sse, and emits sse-got to its own
// sockets on a server-side sse. Redis unreachable at start: one line on
// stderr, exit status 1.
//
//   REDIS_URL=redis://127.0.0.1:6379 REDIS_ADAPTER=streams PORT=3001 node server.js
"use strict";

const http = require("node:http");
const { performance } = require("node:perf_hooks");
const { Server } = require("socket.io");

const port = Number.parseInt(process.env.PORT || "3000", 10);
const tickHz = Number.parseFloat(process.env.TICK_HZ || "0");
const tickBytes = Number.parseInt(process.env.TICK_BYTES || "100", 10);
const redisURL = process.env.REDIS_URL || "";
const redisAdapter = process.env.REDIS_ADAPTER || "";
const clustered = redisURL !== "";
if (redisAdapter && !clustered) {
  process.stderr.write(`node reference: REDIS_ADAPTER=${redisAdapter} needs REDIS_URL\n`);
  process.exit(1);
}

const httpServer = http.createServer((req, res) => {
  res.writeHead(404);
  res.end();
});
const io = new Server(httpServer, {
  // Accept websocket directly (the generator never polls); polling stays on,
  // as it is by default.
  transports: ["polling", "websocket"],
  perMessageDeflate: false,
  maxHttpBufferSize: 1e6,
  serveClient: false,
});
const nsp = io.of("/");

// Rooms created by join, walked by the tick loop. Socket.IO's adapter drops a
// room when its last member leaves; the tick loop forgets it then.
const joinedRooms = new Set();

function roomSize(room) {
  const members = nsp.adapter.rooms.get(room);
  return members ? members.size : 0;
}

nsp.on("connection", (socket) => {
  socket.on("join", (room, ack) => {
    if (typeof room !== "string") return;
    socket.join(room);
    joinedRooms.add(room);
    if (typeof ack === "function") ack(roomSize(room));
  });
  socket.on("leave", (room, ack) => {
    if (typeof room === "string") socket.leave(room);
    if (typeof ack === "function") ack(true);
  });
  socket.on("echo", (...args) => {
    const ack = args.length > 0 && typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (ack) ack(...args);
  });
  socket.on("relay", (room, payload) => {
    if (typeof room !== "string") return;
    socket.to(room).emit("relay", payload);
  });
  socket.on("fanout", (room, payload) => {
    if (typeof room !== "string") return;
    io.to(room).emit("fanout", payload);
  });
  socket.on("stats", (ack) => {
    if (typeof ack !== "function") return;
    ack({ sockets: nsp.sockets.size, rss: process.memoryUsage.rss() });
  });
  if (!clustered) return;
  socket.on("count", async (room, ack) => {
    if (typeof ack !== "function") return;
    try {
      ack((await io.in(room).fetchSockets()).length);
    } catch {
      ack(-1); // an error, or another server's answer missing after the adapter's 5 s
    }
  });
  socket.on("sse", (payload, ack) => {
    io.serverSideEmit("sse", payload);
    if (typeof ack === "function") ack(true);
  });
});
// A server-side sse from another server of the cluster.
if (clustered) io.on("sse", (payload) => io.local.emit("sse-got", payload));

// The game loop: scheduled on absolute time (start + k / TICK_HZ); a loop
// that has fallen more than one period behind emits only the latest due tick,
// so skipped ticks show up as gaps in <seq>.
function startTicks() {
  const period = 1000 / tickHz;
  const start = performance.now();
  let last = 0;
  const pad = "x".repeat(Math.max(tickBytes, 0));
  const tick = () => {
    const now = performance.now();
    const due = Math.floor((now - start) / period);
    if (due > last) {
      last = due;
      const ms = (performance.timeOrigin + performance.now()).toFixed(3);
      const head = `${ms}|${due}|`;
      const payload = head.length >= tickBytes ? head : head + pad.slice(0, tickBytes - head.length);
      for (const room of joinedRooms) {
        if (!nsp.adapter.rooms.has(room)) {
          joinedRooms.delete(room);
          continue;
        }
        io.to(room).emit("tick", payload);
      }
    }
    const next = start + (last + 1) * period;
    setTimeout(tick, Math.max(0, next - performance.now()));
  };
  setTimeout(tick, period);
}

function fail(reason) {
  process.stderr.write(`node reference: ${reason}\n`);
  process.exit(1);
}

// joinCluster connects to REDIS_URL and puts the adapter in place (before any
// socket connects: the server does not listen yet). It returns the Redis
// clients and a label for the start-up line.
async function joinCluster() {
  const kind = redisAdapter || "pubsub";
  if (!["pubsub", "sharded", "streams"].includes(kind)) {
    fail(`REDIS_ADAPTER=${redisAdapter}: want pubsub, sharded or streams`);
  }
  const { createClient } = require("redis");
  // Until start-up is done a failed connection is final; after that the
  // clients reconnect with backoff (up to 1 s) and say so once per change.
  let started = false;
  let lastError = "";
  // A new client, or a duplicate of from, with an error listener: node-redis
  // throws an error event nobody listens to, and duplicate() copies none.
  const newClient = (from) => {
    const client = from
      ? from.duplicate()
      : createClient({
          url: redisURL,
          socket: { reconnectStrategy: (retries) => (started ? Math.min(50 * 2 ** retries, 1000) : false) },
        });
    client.on("error", (err) => {
      if (started && err.message !== lastError) {
        lastError = err.message;
        process.stderr.write(`node reference: redis: ${err.message}\n`);
      }
    });
    client.on("ready", () => {
      lastError = "";
    });
    return client;
  };
  const pub = newClient();
  const clients = [pub];
  let label;
  try {
    await pub.connect();
    if (kind === "streams") {
      io.adapter(require("@socket.io/redis-streams-adapter").createAdapter(pub));
      label = `@socket.io/redis-streams-adapter ${require("@socket.io/redis-streams-adapter/package.json").version}`;
    } else {
      const sub = newClient(pub);
      clients.push(sub);
      await sub.connect();
      const { createAdapter, createShardedAdapter } = require("@socket.io/redis-adapter");
      io.adapter((kind === "sharded" ? createShardedAdapter : createAdapter)(pub, sub));
      label = `@socket.io/redis-adapter ${require("@socket.io/redis-adapter/package.json").version} ${kind}`;
    }
  } catch (err) {
    fail(`redis at ${redisURL} unreachable: ${err && err.message ? err.message : err}`);
  }
  started = true;
  return { clients, label };
}

function listen(cluster) {
  httpServer.listen(port, () => {
    const mode = cluster ? `, cluster: ${cluster.label} at ${redisURL}` : "";
    console.log(`node reference: socket.io ${require("socket.io/package.json").version} on :${port} (TICK_HZ=${tickHz}, TICK_BYTES=${tickBytes}${mode})`);
    if (tickHz > 0) startTicks();
  });
}

let cluster = null;
if (clustered) {
  joinCluster().then(
    (c) => {
      cluster = c;
      listen(c);
    },
    (err) => fail(err && err.message ? err.message : String(err)),
  );
} else {
  listen(null);
}

// Exit at once: the kernel closes the sockets. (A handler cannot run while
// the event loop is inside a long synchronous burst, e.g. hundreds of queued
// fanout packets parsed from one read after an overload step; the runner
// then kills the process after 5 s and notes it.) In a cluster it first tells
// the others it leaves (the streams adapter's ADAPTER_CLOSE, so that they stop
// waiting for its answers at once, not after the 10 s heartbeat timeout),
// within 1 s.
let stopping = false;
const stop = () => {
  if (!cluster) process.exit(0);
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 1000).unref();
  Promise.resolve(nsp.adapter.close())
    .then(() => Promise.allSettled(cluster.clients.map((c) => c.quit())))
    .finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
