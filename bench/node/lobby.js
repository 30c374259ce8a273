// The lobby game on the Node.js socket.io server: the reference the Actorio
// example (examples/lobby) is measured against. Both speak the protocol of
// bench/README.md ("The lobby game"): players connect with auth {name},
// `queue` for a match, get `matched` when MATCH_SIZE are queued, receive a
// `state` snapshot of their match every tick, send `input` and hear `left`.
//
//   PORT=3000 MATCH_SIZE=10 TICK_HZ=20 GRACE_MS=5000 node lobby.js
//
// Ticks: one timer per match, on absolute time (tick n is due at the match's
// start + n / TICK_HZ). A tick that comes late runs as the latest tick due,
// so the ticks a late loop missed are skipped and show as gaps in the tick
// numbers; the next timer is armed for the next due time, so there is no
// drift. Matches start when they fill, so their ticks are spread over the
// period rather than bunched in one burst.
//
// Inputs are queued and applied at the match's next tick, in arrival order.
// A player whose socket disconnects is held for GRACE_MS ("on": false);
// connection state recovery (maxDisconnectionDuration GRACE_MS) brings the
// same socket id back with the missed `state` packets replayed. A socket that
// disconnects while queued leaves the queue (it is in no match yet).
"use strict";

const http = require("node:http");
const { performance } = require("node:perf_hooks");
const { Server } = require("socket.io");

function envInt(name, def, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return def;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) {
    process.stderr.write(`node lobby: ${name}=${raw}: want an integer >= ${min}\n`);
    process.exit(1);
  }
  return v;
}

const port = envInt("PORT", 3000, 0);
const matchSize = envInt("MATCH_SIZE", 10, 1);
const tickHz = envInt("TICK_HZ", 20, 1);
const graceMs = envInt("GRACE_MS", 5000, 0);
const period = 1000 / tickHz;
const GRID = 100; // x and y are clamped to 0..GRID-1

const httpServer = http.createServer((req, res) => {
  res.writeHead(404);
  res.end();
});
const io = new Server(httpServer, {
  transports: ["polling", "websocket"],
  perMessageDeflate: false,
  serveClient: false,
  connectionStateRecovery: { maxDisconnectionDuration: graceMs, skipMiddlewares: true },
});

io.use((socket, next) => {
  const name = socket.handshake.auth && socket.handshake.auth.name;
  if (typeof name !== "string" || name === "") return next(new Error("name required"));
  next();
});

// Who is where, by socket id (stable across a recovered reconnection).
const queue = []; // socket ids waiting, in order
const queued = new Set();
const playerOf = new Map(); // socket id -> player (in a match)
let nextMatch = 1;

// now is the server clock in Unix milliseconds with a fraction.
const now = () => Number((performance.timeOrigin + performance.now()).toFixed(3));

function clamp(v) {
  return v < 0 ? 0 : v >= GRID ? GRID - 1 : v;
}

class Match {
  constructor(sockets) {
    this.id = String(nextMatch++);
    this.room = `match:${this.id}`;
    this.players = sockets.map((s, i) => ({
      id: s.id,
      name: s.handshake.auth.name,
      x: Math.floor((i * GRID) / sockets.length),
      y: Math.floor(GRID / 2),
      on: true,
      match: this,
      graceTimer: null,
    }));
    this.inputs = []; // [player, dx, dy] applied at the next tick
    this.tick = 0;
    this.start = performance.now();
    this.timer = null;
    const names = this.players.map((p) => p.name);
    sockets.forEach((s, i) => {
      playerOf.set(s.id, this.players[i]);
      s.join(this.room);
      s.emit("matched", { match: this.id, room: this.room, players: names, you: i });
    });
    this.schedule();
  }

  schedule() {
    const due = this.start + (this.tick + 1) * period;
    this.timer = setTimeout(() => this.run(), Math.max(0, due - performance.now()));
  }

  run() {
    const due = Math.floor((performance.now() - this.start) / period);
    if (due > this.tick) {
      this.tick = due; // ticks a late loop missed are skipped
      for (const [p, dx, dy] of this.inputs) {
        p.x = clamp(p.x + dx);
        p.y = clamp(p.y + dy);
      }
      this.inputs = [];
      // A fresh object every tick: recovery keeps the packet for replay.
      const players = this.players.map((p) => ({ name: p.name, x: p.x, y: p.y, on: p.on }));
      io.to(this.room).emit("state", { tick: this.tick, t: now(), players });
    }
    this.schedule();
  }

  remove(p) {
    this.players = this.players.filter((q) => q !== p);
    this.inputs = this.inputs.filter(([q]) => q !== p);
    playerOf.delete(p.id);
    io.to(this.room).emit("left", { name: p.name });
    if (this.players.length === 0) {
      clearTimeout(this.timer);
      io.in(this.room).socketsLeave(this.room);
    }
  }
}

function isStep(v) {
  return v === -1 || v === 0 || v === 1;
}

io.on("connection", (socket) => {
  if (socket.recovered) {
    const back = playerOf.get(socket.id);
    if (back) {
      clearTimeout(back.graceTimer);
      back.graceTimer = null;
      back.on = true;
    } else {
      // Back after its player was removed: its match room is not its own.
      for (const room of socket.rooms) if (room.startsWith("match:")) socket.leave(room);
    }
  }

  socket.on("queue", (ack) => {
    const reply = typeof ack === "function" ? ack : () => {};
    if (playerOf.has(socket.id)) return reply({ queued: false, error: "already in a match" });
    if (queued.has(socket.id)) return reply({ queued: false, error: "already queued" });
    queue.push(socket.id);
    queued.add(socket.id);
    reply({ queued: true });
    if (queue.length >= matchSize) {
      const ids = queue.splice(0, matchSize);
      ids.forEach((id) => queued.delete(id));
      new Match(ids.map((id) => io.of("/").sockets.get(id)));
    }
  });

  socket.on("input", (input, ack) => {
    const reply = typeof ack === "function" ? ack : () => {};
    const p = playerOf.get(socket.id);
    const seq = input && input.seq;
    if (!p) return reply({ seq, error: "not in a match" });
    if (!input || !Number.isInteger(seq) || !isStep(input.dx) || !isStep(input.dy)) {
      return reply({ seq, error: "input wants {seq: integer, dx: -1|0|1, dy: -1|0|1}" });
    }
    p.match.inputs.push([p, input.dx, input.dy]);
    reply({ seq, tick: p.match.tick + 1 });
  });

  socket.on("disconnect", () => {
    if (queued.has(socket.id)) {
      queued.delete(socket.id);
      queue.splice(queue.indexOf(socket.id), 1);
    }
    const p = playerOf.get(socket.id);
    if (!p) return;
    p.on = false;
    p.graceTimer = setTimeout(() => p.match.remove(p), graceMs);
  });
});

httpServer.listen(port, () => {
  console.log(
    `node lobby: socket.io ${require("socket.io/package.json").version} on :${port} ` +
      `(MATCH_SIZE=${matchSize}, TICK_HZ=${tickHz}, GRACE_MS=${graceMs}, one timer per match on absolute time)`,
  );
});

// Exit at once: the kernel closes the sockets.
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
