// The Node.js reference server of the comparison benchmark. It implements
// docs/bench-contract.md (events join, leave, echo, relay, fanout, stats and the
// TICK_HZ game loop) on the npm socket.io package with its defaults
// (perMessageDeflate off, maxHttpBufferSize 1e6, pingInterval 25 s,
// pingTimeout 20 s), so the figures describe what a Node user gets out of the
// box.
//
//   PORT=3000 TICK_HZ=30 TICK_BYTES=100 node server.js
"use strict";

const http = require("node:http");
const { performance } = require("node:perf_hooks");
const { Server } = require("socket.io");

const port = Number.parseInt(process.env.PORT || "3000", 10);
const tickHz = Number.parseFloat(process.env.TICK_HZ || "0");
const tickBytes = Number.parseInt(process.env.TICK_BYTES || "100", 10);

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
});

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

httpServer.listen(port, () => {
  console.log(`node reference: socket.io ${require("socket.io/package.json").version} on :${port} (TICK_HZ=${tickHz}, TICK_BYTES=${tickBytes})`);
  if (tickHz > 0) startTicks();
});

// Exit at once: the kernel closes the sockets. (A handler cannot run while
// the event loop is inside a long synchronous burst, e.g. hundreds of queued
// fanout packets parsed from one read after an overload step; the runner
// then kills the process after 5 s and notes it.)
const stop = () => process.exit(0);
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
