#!/usr/bin/env node
// The lobby's end-to-end check on the official socket.io-client, run by
// e2e_test.go against the example's binary:
//
//   node e2e.js --url URL --bots N --drop K --quit Q --seconds S --grace-ms G
//
// N bots connect (auth {name}) and queue; every bot must be matched, send
// inputs (each acked with a tick after the last state it had, and seen
// applied at that tick), and receive every tick of its match in order, none
// that a match-mate got missing (a tick the server's late loop skipped for
// everyone is allowed, as the protocol says). K bots cut their TCP connection a third of the way in and must come
// back recovered (same socket id) with the ticks they missed replayed, the
// others seeing them "on": false meanwhile. Q bots leave for good at the
// same time: after the grace period their match gets `left` and they are
// gone from its states. A client with no name must be refused.
// Prints one JSON line; exits 0 if nothing went wrong, 1 if something did.
"use strict";

const { io } = require("socket.io-client");

const opts = { url: "", bots: 4, drop: 1, quit: 1, seconds: 3, graceMs: 1000 };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, "").replace(/-(.)/g, (_, c) => c.toUpperCase());
  if (!(key in opts)) {
    process.stderr.write(`e2e: unknown flag ${process.argv[i]}\n`);
    process.exit(2);
  }
  opts[key] = key === "url" ? process.argv[i + 1] : Number(process.argv[i + 1]);
}

const ACK_TIMEOUT = 3000;
const GRID = 100;
const problems = [];
const problem = (m) => problems.length < 30 && problems.push(m);
const bots = [];
let matched = 0;
let started = false;

function newBot(i) {
  const b = { name: `p${i}`, match: null, ticks: [], states: [], acked: [], pending: 0, sent: 0, lastTick: 0, left: [], sendInputs: true };
  b.socket = io(opts.url, { forceNew: true, transports: ["websocket"], auth: { name: b.name }, reconnectionDelay: 200, reconnectionDelayMax: 200, randomizationFactor: 0 });
  b.socket.on("connect", () => {
    if (b.id === undefined) {
      b.id = b.socket.id;
      b.socket.timeout(ACK_TIMEOUT).emit("queue", (err, ack) => {
        if (err || !ack || ack.queued !== true) problem(`${b.name}: queue acked ${err || JSON.stringify(ack)}, want {"queued":true}`);
        // Once queued, a second queue is refused.
        b.socket.timeout(ACK_TIMEOUT).emit("queue", (err, ack) => {
          if (err || !ack || ack.queued !== false || !ack.error) problem(`${b.name}: second queue acked ${err || JSON.stringify(ack)}, want queued false and an error`);
        });
      });
    } else if (b.drop) {
      b.drop.back = { recovered: b.socket.recovered, sameId: b.socket.id === b.id };
      b.sendInputs = true;
    } else {
      problem(`${b.name}: reconnected without being dropped`);
    }
  });
  b.socket.on("connect_error", (err) => problem(`${b.name}: connect_error ${err.message}`));
  b.socket.on("matched", (m) => {
    if (b.match) return problem(`${b.name}: matched twice`);
    if (m.room !== `match:${m.match}` || m.players[m.you] !== b.name) problem(`${b.name}: matched ${JSON.stringify(m)}`);
    b.match = m;
    if (++matched === bots.length) play();
  });
  b.socket.on("state", (s) => {
    // In order, each once; a gap is checked at the end (a late server loop
    // skips ticks for everyone, which is allowed; one player missing a tick
    // its match-mates got is not).
    if (b.ticks.length > 0 && s.tick <= b.ticks[b.ticks.length - 1]) {
      problem(`${b.name}: tick ${s.tick} after ${b.ticks[b.ticks.length - 1]}, want every tick in order, each once`);
    }
    b.ticks.push(s.tick);
    b.states.push(s);
    b.lastTick = Math.max(b.lastTick, s.tick);
  });
  b.socket.on("left", (l) => b.left.push(l.name));
  return b;
}

function sendInput(b) {
  if (!b.sendInputs || !b.socket.connected) return;
  const seq = ++b.sent;
  const dx = Math.floor(Math.random() * 3) - 1;
  const dy = Math.floor(Math.random() * 3) - 1;
  const after = b.lastTick;
  b.pending++;
  b.socket.timeout(ACK_TIMEOUT).emit("input", { seq, dx, dy }, (err, ack) => {
    b.pending--;
    if (err || !ack || ack.seq !== seq || !Number.isInteger(ack.tick) || ack.tick <= after) {
      return problem(`${b.name}: input ${seq} sent after tick ${after} acked ${err || JSON.stringify(ack)}`);
    }
    b.acked.push({ tick: ack.tick, dx, dy });
  });
}

// whenSettled runs f once b has no input in flight (bounded by ACK_TIMEOUT).
function whenSettled(b, f, until = Date.now() + ACK_TIMEOUT) {
  if (b.pending === 0 || Date.now() > until) return f();
  setTimeout(() => whenSettled(b, f, until), 10);
}

const timers = [];
function play() {
  if (started) return;
  started = true;
  for (const b of bots) timers.push(setInterval(() => sendInput(b), 100));
  const third = (opts.seconds * 1000) / 3;
  // Spread over the bots, so over the matches: dropped ones first, then quitters.
  bots.slice(0, opts.drop).forEach((b) => timers.push(setTimeout(() => {
    b.sendInputs = false; // an input in flight when cut may be lost: none is
    whenSettled(b, () => {
      b.drop = { tickBefore: b.lastTick };
      b.socket.io.engine.transport.ws._socket.destroy(); // no close frame: a network failure
    });
  }, third)));
  bots.slice(opts.drop, opts.drop + opts.quit).forEach((b) => timers.push(setTimeout(() => {
    b.sendInputs = false;
    whenSettled(b, () => { b.quit = true; b.socket.disconnect(); });
  }, third)));
  timers.push(setTimeout(() => bots.forEach((b) => (b.sendInputs = false)), opts.seconds * 1000));
  timers.push(setTimeout(finish, opts.seconds * 1000 + 300));
}

// checkInputs: between two states a bot moved by exactly the inputs acked
// for the ticks in between, each step clamped to the grid.
function checkInputs(b) {
  let checked = 0;
  const mine = b.states.map((s) => [s.tick, s.players.find((p) => p.name === b.name)]).filter(([, p]) => p);
  for (let k = 1; k < mine.length; k++) {
    const [ta, a] = mine[k - 1];
    const [tb, p] = mine[k];
    let x = a.x;
    let y = a.y;
    for (const i of b.acked) {
      if (i.tick > ta && i.tick <= tb) {
        x = Math.min(GRID - 1, Math.max(0, x + i.dx));
        y = Math.min(GRID - 1, Math.max(0, y + i.dy));
      }
    }
    checked++;
    if (x !== p.x || y !== p.y) return problem(`${b.name}: at tick ${tb} at (${p.x},${p.y}), want (${x},${y})`);
  }
  return checked;
}

function finish() {
  timers.forEach(clearTimeout);
  let checked = 0;
  let acked = 0;
  for (const b of bots) {
    if (!b.match) problem(`${b.name}: not matched`);
    if (b.ticks.length < 5 && !b.quit) problem(`${b.name}: ${b.ticks.length} states`);
    if (b.pending > 0) problem(`${b.name}: ${b.pending} inputs unanswered`);
    acked += b.acked.length;
    if (!b.quit) checked += checkInputs(b) || 0;
  }
  // A tick a bot missed between its first and last, that a match-mate got.
  for (const b of bots.filter((b) => b.match && b.ticks.length > 0)) {
    const got = new Set(b.ticks);
    const mates = bots.filter((o) => o !== b && o.match && o.match.match === b.match.match);
    const first = b.ticks[0];
    const last = b.ticks[b.ticks.length - 1];
    for (let t = first + 1; t < last; t++) {
      if (!got.has(t) && mates.some((o) => o.ticks.includes(t))) {
        problem(`${b.name}: missed tick ${t}, which a match-mate got`);
        break;
      }
    }
  }
  const drops = bots.filter((b) => b.drop).map((b) => {
    const d = { name: b.name, tickBefore: b.drop.tickBefore, ...b.drop.back };
    if (!d.recovered || !d.sameId) problem(`${b.name}: came back ${JSON.stringify(d)}, want recovered with the same id`);
    // The others in its match saw it held, then back.
    const peers = bots.filter((o) => o !== b && o.match && o.match.match === b.match.match && !o.drop && !o.quit);
    const seen = peers.flatMap((o) => o.states).map((s) => s.players.find((p) => p.name === b.name)).filter(Boolean);
    d.heldStates = seen.filter((p) => !p.on).length;
    if (peers.length > 0 && (d.heldStates === 0 || !seen[seen.length - 1].on)) problem(`${b.name}: its peers saw it held in ${d.heldStates} states and on at the end: ${seen.length ? seen[seen.length - 1].on : "never"}`);
    return d;
  });
  for (const q of bots.filter((b) => b.quit)) {
    const peers = bots.filter((o) => o.match && o.match.match === q.match.match && !o.quit && !o.drop);
    for (const o of peers) {
      if (!o.left.includes(q.name)) problem(`${o.name}: no left for ${q.name}`);
      const last = o.states[o.states.length - 1];
      if (last && last.players.some((p) => p.name === q.name)) problem(`${o.name}: ${q.name} still in the last state`);
    }
  }
  if (!refused) problem("a client with no name was not refused");
  const report = {
    ok: problems.length === 0,
    bots: bots.length,
    matched,
    states: bots.reduce((n, b) => n + b.states.length, 0),
    inputs: { sent: bots.reduce((n, b) => n + b.sent, 0), acked, checkedStates: checked },
    drops,
    quits: bots.filter((b) => b.quit).map((b) => b.name),
    problems,
  };
  bots.forEach((b) => b.socket.disconnect());
  nameless.disconnect();
  process.stdout.write(JSON.stringify(report) + "\n", () => process.exit(report.ok ? 0 : 1));
}

// A client without a name is refused by the server's middleware.
const nameless = io(opts.url, { forceNew: true, transports: ["websocket"], reconnection: false });
nameless.on("connect", () => problem("a client with no name was let in"));
let refused = false;
nameless.on("connect_error", (err) => {
  refused = true;
  if (err.message !== "name required") problem(`nameless: connect_error ${err.message}, want "name required"`);
});

for (let i = 0; i < opts.bots; i++) bots.push(newBot(i));
setTimeout(() => {
  if (!started) {
    problem(`${matched} of ${bots.length} bots matched after 5 s`);
    finish();
  }
}, 5000);
