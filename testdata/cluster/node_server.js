// A Node socket.io 4.8 server, one member of the mixed Node/Actorio clusters
// the Go tests build on one Redis. The Go tests start it from the repository
// root:
//
//   PORT=0 REDIS_URL=redis://127.0.0.1:PORT REDIS_ADAPTER=pubsub node testdata/cluster/node_server.js
//
// PORT           0 (default): a random free port
// REDIS_URL      required; the server connects to Redis before it listens and
//                exits 1 with one line on stderr if it cannot
// REDIS_ADAPTER  pubsub (default): @socket.io/redis-adapter createAdapter;
//                sharded: its createShardedAdapter (SSUBSCRIBE, Redis 7);
//                streams: @socket.io/redis-streams-adapter createAdapter
// RECOVERY       1: connectionStateRecovery, maxDisconnectionDuration 60 s,
//                skipMiddlewares true. Only the streams adapter recovers a
//                session (across servers too); with pubsub and sharded the
//                client reconnects with a new id, as with Node's own adapters.
//
// It listens on 127.0.0.1 and prints exactly one line on stdout, `listening
// <port>`, once the port is open and its adapter is subscribed in Redis (for
// streams: its first XREAD is in), so that a message published after the line
// reaches it; nothing else goes there (diagnostics go to stderr). SIGTERM or SIGINT: it closes io, quits
// its Redis clients and exits 0 within 2 s.
//
// Event protocol on "/" (the Go side mirrors it). Every ack below is sent
// only if the client asked for one.
//
//   join (room, ack)                       socket.join(room); ack(true). Sharded: the ack waits until
//                                          this server's SSUBSCRIBE to the room's own channel (which the
//                                          adapter sends without a promise) is in Redis, so that a
//                                          broadcast to the room sent after the ack reaches it.
//   leave (room, ack)                      socket.leave(room); ack(true)
//   to (room, event, payload, ack)         io.to(room).emit(event, payload); ack(true)
//   toExcept (room, exceptRoom, event, payload, ack)
//                                          io.to(room).except(exceptRoom).emit(event, payload); ack(true)
//   broadcastFrom (room, event, payload, ack)
//                                          socket.to(room).emit(event, payload) (skips the sender); ack(true)
//   fetch (room, ack)                      ack(sorted ids of io.in(room).fetchSockets()) or ack({error})
//   count (room, ack)                      ack(number of io.in(room).fetchSockets()) or ack(-1)
//   remoteJoin (room, newRoom, ack)        io.in(room).socketsJoin(newRoom); ack(true)
//   remoteLeave (room, oldRoom, ack)       io.in(room).socketsLeave(oldRoom); ack(true)
//   remoteDisconnect (room, ack)           ack(true), then io.in(room).disconnectSockets(true)
//   sse (payload, ack)                     io.serverSideEmit("sse", payload); ack(true)
//   sseAck (payload, ack)                  io.serverSideEmitWithAck("ping-sse", payload) (its timeout is
//                                          the adapter's requestsTimeout, 5 s by default: socket.io 4.8 has
//                                          no io.timeout(...).serverSideEmitWithAck);
//                                          ack({responses}) or ack({error})
//   bcastAck (room, payload, ack)          io.to(room).timeout(3000).emit("question", payload, cb);
//                                          ack({responses}) or ack({error, responses})
//   serverCount (ack)                      ack(await io.of("/").adapter.serverCount()) or ack(-1)
//   emitBinary (room, ack)                 io.to(room).emit("bin", Buffer.from([1,2,3]), {nested: Buffer.from([4])});
//                                          ack(true)
//
// The cluster operations are fire-and-forget across servers, as in Node: the
// ack of to, remoteJoin, remoteLeave or remoteDisconnect says the request is
// published, not that the other servers have applied it. A test waits for
// the effect (an event arriving, a fetch that finds it).
//
// Server-side events it answers (from any server of the cluster):
//
//   "sse" (payload)                        io.local.emit("sse-got", payload)
//   "ping-sse" (payload, cb)               cb({from: "node", got: payload})
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");
const { createClient } = require("redis");

const port = Number.parseInt(process.env.PORT || "0", 10);
const redisURL = process.env.REDIS_URL;
const adapterKind = process.env.REDIS_ADAPTER || "pubsub";
const recovery = process.env.RECOVERY === "1";
const requestTimeout = 3000;

function fail(reason) {
  process.stderr.write(`node_server: ${reason}\n`);
  process.exit(1);
}

if (!redisURL) fail("REDIS_URL is required");
if (!["pubsub", "sharded", "streams"].includes(adapterKind)) {
  fail(`REDIS_ADAPTER=${adapterKind}: want pubsub, sharded or streams`);
}

// Until both clients are connected a failed attempt is final (the server
// exits with the reason); after that they reconnect with backoff, as a
// server that loses Redis while running does.
let started = false;
let lastError = "";
// Every Redis connection of this server, the adapters' own duplicates
// included, carries this name: waitSubscribed finds them in CLIENT LIST.
const clientName = `node_server-${process.pid}`;
// newClient returns a new client, or a duplicate of from (same options),
// with the error listener every client needs: node-redis throws an error
// event nobody listens to, killing the process, and duplicate() copies no
// listeners (the sharded adapter adds none of its own).
function newClient(from) {
  const client = from
    ? from.duplicate()
    : createClient({
        url: redisURL,
        name: clientName,
        socket: {
          connectTimeout: 5000,
          reconnectStrategy: (retries) => (started ? Math.min(50 * 2 ** retries, 1000) : false),
        },
      });
  client.on("error", (err) => {
    // One line per change of state, not per retry; before start-up fail()
    // says it.
    if (started && err.message !== lastError) {
      lastError = err.message;
      process.stderr.write(`node_server: redis: ${err.message}\n`);
    }
  });
  client.on("ready", () => {
    lastError = "";
  });
  return client;
}

// waitSubscribed resolves once this server's connections hold the adapter's
// subscriptions: the adapters subscribe without a promise to wait for.
async function waitSubscribed(pub) {
  const enough = {
    pubsub: (c) => c.psub >= 1 && c.sub >= 3, // broadcast pattern; request, response, own response channel
    sharded: (c) => c.ssub >= 2, // broadcast and response channels
    streams: (c) => c.sub >= 2 && c.xread, // public and own channel; the stream read
  }[adapterKind];
  const deadline = Date.now() + 5000;
  for (;;) {
    const list = await pub.sendCommand(["CLIENT", "LIST"]);
    const mine = { sub: 0, psub: 0, ssub: 0, xread: false };
    for (const line of String(list).split("\n")) {
      const f = Object.fromEntries(line.trim().split(" ").map((kv) => kv.split("=", 2)));
      if (f.name !== clientName) continue;
      mine.sub += Number(f.sub || 0);
      mine.psub += Number(f.psub || 0);
      mine.ssub += Number(f.ssub || 0);
      mine.xread ||= f.cmd === "xread";
    }
    if (enough(mine)) return;
    if (Date.now() > deadline) throw new Error(`adapter not subscribed within 5 s: ${JSON.stringify(mine)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// The sharded adapter (dynamic mode, its default) subscribes each server to
// a channel per room, socket.io#/#<room>#, when the room appears on that
// server. roomSubscribers returns the channel's subscriber count when this
// server is about to subscribe (sharded, a room new here and not a socket's
// own), else null.
async function roomSubscribers(pub, adapter, room) {
  if (adapterKind !== "sharded" || adapter.rooms.has(room) || adapter.sids.has(room)) return null;
  const [, count] = await pub.sendCommand(["PUBSUB", "SHARDNUMSUB", `socket.io#/#${room}#`]);
  return Number(count);
}

async function untilRoomSubscribers(pub, room, want) {
  const channel = `socket.io#/#${room}#`;
  const deadline = Date.now() + 5000;
  for (;;) {
    const [, count] = await pub.sendCommand(["PUBSUB", "SHARDNUMSUB", channel]);
    if (Number(count) >= want) return;
    if (Date.now() > deadline) throw new Error(`${channel}: ${count} subscribers after 5 s, want ${want}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function reply(ack, value) {
  if (typeof ack === "function") ack(value);
}

function errorMessage(err) {
  return err && err.message ? err.message : String(err);
}

async function main() {
  const pub = newClient();
  const clients = [pub];
  let adapter;
  try {
    await pub.connect();
    if (adapterKind === "streams") {
      adapter = require("@socket.io/redis-streams-adapter").createAdapter(pub);
    } else {
      const sub = newClient(pub);
      clients.push(sub);
      await sub.connect();
      const redisAdapter = require("@socket.io/redis-adapter");
      const create = adapterKind === "sharded" ? redisAdapter.createShardedAdapter : redisAdapter.createAdapter;
      adapter = create(pub, sub);
    }
  } catch (err) {
    fail(`redis at ${redisURL} unreachable: ${errorMessage(err)}`);
  }
  started = true;

  const httpServer = http.createServer((req, res) => {
    res.writeHead(404);
    res.end();
  });
  const io = new Server(httpServer, {
    adapter,
    serveClient: false,
    connectionStateRecovery: recovery ? { maxDisconnectionDuration: 60000, skipMiddlewares: true } : undefined,
  });

  io.on("sse", (payload) => io.local.emit("sse-got", payload));
  io.on("ping-sse", (payload, cb) => reply(cb, { from: "node", got: payload }));

  io.on("connection", (socket) => {
    socket.on("join", async (room, ack) => {
      const shardSubscribers = await roomSubscribers(pub, io.of("/").adapter, room);
      socket.join(room);
      if (shardSubscribers !== null) {
        try {
          await untilRoomSubscribers(pub, room, shardSubscribers + 1);
        } catch (err) {
          process.stderr.write(`node_server: join ${room}: ${errorMessage(err)}\n`);
        }
      }
      reply(ack, true);
    });
    socket.on("leave", (room, ack) => {
      socket.leave(room);
      reply(ack, true);
    });
    socket.on("to", (room, event, payload, ack) => {
      io.to(room).emit(event, payload);
      reply(ack, true);
    });
    socket.on("toExcept", (room, exceptRoom, event, payload, ack) => {
      io.to(room).except(exceptRoom).emit(event, payload);
      reply(ack, true);
    });
    socket.on("broadcastFrom", (room, event, payload, ack) => {
      socket.to(room).emit(event, payload);
      reply(ack, true);
    });
    socket.on("fetch", async (room, ack) => {
      try {
        const sockets = await io.in(room).fetchSockets();
        reply(ack, sockets.map((s) => s.id).sort());
      } catch (err) {
        reply(ack, { error: errorMessage(err) });
      }
    });
    socket.on("count", async (room, ack) => {
      try {
        reply(ack, (await io.in(room).fetchSockets()).length);
      } catch {
        reply(ack, -1);
      }
    });
    socket.on("remoteJoin", (room, newRoom, ack) => {
      io.in(room).socketsJoin(newRoom);
      reply(ack, true);
    });
    socket.on("remoteLeave", (room, oldRoom, ack) => {
      io.in(room).socketsLeave(oldRoom);
      reply(ack, true);
    });
    socket.on("remoteDisconnect", (room, ack) => {
      reply(ack, true);
      io.in(room).disconnectSockets(true);
    });
    socket.on("sse", (payload, ack) => {
      io.serverSideEmit("sse", payload);
      reply(ack, true);
    });
    socket.on("sseAck", async (payload, ack) => {
      try {
        const responses = await io.serverSideEmitWithAck("ping-sse", payload);
        reply(ack, { responses });
      } catch (err) {
        reply(ack, { error: errorMessage(err) });
      }
    });
    socket.on("bcastAck", (room, payload, ack) => {
      io.to(room)
        .timeout(requestTimeout)
        .emit("question", payload, (err, responses) => {
          reply(ack, err ? { error: errorMessage(err), responses } : { responses });
        });
    });
    socket.on("serverCount", async (ack) => {
      try {
        reply(ack, await io.of("/").adapter.serverCount());
      } catch {
        reply(ack, -1);
      }
    });
    socket.on("emitBinary", (room, ack) => {
      io.to(room).emit("bin", Buffer.from([1, 2, 3]), { nested: Buffer.from([4]) });
      reply(ack, true);
    });
  });

  try {
    await waitSubscribed(pub);
  } catch (err) {
    fail(errorMessage(err));
  }
  httpServer.listen(port, "127.0.0.1", () => {
    process.stdout.write(`listening ${httpServer.address().port}\n`);
  });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Whatever still hangs (a blocked XREAD of the streams adapter, a Redis
    // that is down) must not hold the exit past the 2 s the tests allow.
    setTimeout(() => process.exit(0), 1500).unref();
    io.close(() => {
      Promise.allSettled(clients.map((c) => c.quit())).then(() => process.exit(0));
    });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => fail(errorMessage(err)));
