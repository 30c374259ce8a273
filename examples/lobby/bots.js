#!/usr/bin/env node
// Bots for the lobby game (the protocol of bench/README.md, "The lobby game"),
// on the official socket.io-client. They work against any server that speaks
// it: the Actorio example (examples/lobby) and the Node reference
// (bench/node/lobby.js).
//
//   node examples/lobby/bots.js --url http://127.0.0.1:3000 --bots 20 \
//     [--inputs-hz 5] [--seconds 10] [--drop 2] [--drop-ms 500]
//
// N bots connect (auth {name: "bot-<i>"}), queue and wait to be matched, then
// play for --seconds: each sends `input` with random steps --inputs-hz times a
// second and checks every ack ({seq, tick} with tick after the last state it
// had), and records every `state` (tick number, latency = receive time - t).
// With --drop K, K bots spread over the matches cut their TCP connection
// without a close frame a third of the way in; their client reconnects after
// --drop-ms (within the server's grace period) and must come back recovered
// (same socket id) with the states it missed replayed: no tick gap.
//
// A tick is lost for a bot when others of its match got it and it did not;
// a tick none of them got was skipped by the server (a late loop may skip
// ticks: counted apart, not an error).
//
// At the end it prints one JSON line (matches, per-bot tick gaps and loss,
// latency percentiles, input acks, inputs checked against the positions the
// states show, each dropped bot's recovery) and exits 0 when nothing went
// wrong, 1 when something did (listed in "problems"), 2 on bad arguments.
"use strict";

const { performance } = require("node:perf_hooks");
const { io } = require("socket.io-client");

function usage(msg) {
  process.stderr.write(
    `bots: ${msg}\nusage: node bots.js --url http://127.0.0.1:PORT --bots N [--inputs-hz 5] [--seconds 10] [--drop K] [--drop-ms 500]\n`,
  );
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { url: "", bots: 0, inputsHz: 5, seconds: 10, drop: 0, dropMs: 500 };
  const num = { "--bots": "bots", "--inputs-hz": "inputsHz", "--seconds": "seconds", "--drop": "drop", "--drop-ms": "dropMs" };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) usage(`${flag} needs a value`);
    if (flag === "--url") opts.url = value;
    else if (num[flag]) {
      const v = Number(value);
      if (!Number.isFinite(v) || v < 0) usage(`${flag} ${value}: want a number >= 0`);
      opts[num[flag]] = v;
    } else usage(`unknown flag ${flag}`);
  }
  if (!opts.url) usage("--url is required");
  if (!Number.isInteger(opts.bots) || opts.bots < 1) usage("--bots wants an integer >= 1");
  if (!Number.isInteger(opts.drop) || opts.drop > opts.bots) usage("--drop wants an integer <= --bots");
  if (opts.seconds <= 0) usage("--seconds wants a number > 0");
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const CONNECT_TIMEOUT = 10000;
const MATCH_TIMEOUT = 10000;
const ACK_TIMEOUT = 5000;
const GRID = 100;

// nowMs is this machine's clock in Unix milliseconds, as the server's t.
const nowMs = () => performance.timeOrigin + performance.now();
const problems = [];
const problem = (msg) => {
  if (problems.length < 50) problems.push(msg);
};

function newBot(i) {
  const bot = {
    i,
    name: `bot-${i}`,
    socket: null,
    connected: false,
    match: null,
    you: -1,
    ticks: [], // tick numbers in arrival order
    tickT: new Map(), // tick number -> its t
    mine: [], // [tick, x, y] of this bot's player in each state
    lastTick: 0,
    seq: 0,
    inputs: { sent: 0, acked: 0, bad: 0, errors: 0, timeouts: 0, pending: 0 },
    applied: [], // [tick, dx, dy, seq] acked inputs
    drop: null, // {at, tickBefore, idBefore, reopenAt, recovered, idAfter, backAt, replayed}
  };
  const socket = io(opts.url, {
    forceNew: true, // one connection per bot, no multiplexing
    transports: ["websocket"],
    auth: { name: bot.name },
    reconnectionDelay: opts.dropMs,
    reconnectionDelayMax: opts.dropMs,
    randomizationFactor: 0,
  });
  bot.socket = socket;
  socket.on("connect_error", (err) => {
    if (!bot.connected) problem(`${bot.name}: connect_error ${err.message}`);
  });
  socket.io.on("open", () => {
    if (bot.drop && bot.drop.reopenAt === undefined) bot.drop.reopenAt = nowMs();
  });
  socket.on("connect", () => {
    if (!bot.connected) {
      bot.connected = true;
      bot.onConnect();
      return;
    }
    if (bot.drop && bot.drop.backAt === undefined) {
      bot.drop.backAt = nowMs();
      bot.drop.recovered = socket.recovered;
      bot.drop.idAfter = socket.id;
    }
  });
  socket.on("matched", (m) => {
    if (bot.match !== null) return problem(`${bot.name}: matched twice`);
    if (!m || typeof m.match !== "string" || m.room !== `match:${m.match}` || !Array.isArray(m.players) || m.players[m.you] !== bot.name) {
      return problem(`${bot.name}: matched ${JSON.stringify(m)}: want {match, room: "match:<match>", players, you} with players[you] = its name`);
    }
    bot.match = m.match;
    bot.you = m.you;
    onMatched();
  });
  socket.on("state", (s) => {
    const at = nowMs();
    if (!s || !Number.isInteger(s.tick) || typeof s.t !== "number" || !Array.isArray(s.players)) {
      return problem(`${bot.name}: state ${JSON.stringify(s).slice(0, 200)}: want {tick, t, players}`);
    }
    bot.ticks.push(s.tick);
    bot.tickT.set(s.tick, s.t);
    bot.lastTick = Math.max(bot.lastTick, s.tick);
    const me = s.players.find((p) => p.name === bot.name);
    if (me) bot.mine.push([s.tick, me.x, me.y]);
    // States emitted while a dropped bot was away come back replayed: their
    // latency is the time away, not the server's.
    states++;
    if (bot.drop !== null && s.t < (bot.drop.reopenAt ?? Infinity)) bot.drop.replayed++;
    else if (playing) latencies.push(at - s.t);
  });
  socket.on("left", () => left++);
  bot.onConnect = () => {
    socket.timeout(ACK_TIMEOUT).emit("queue", (err, ack) => {
      if (err) return problem(`${bot.name}: queue: no ack within ${ACK_TIMEOUT} ms`);
      if (!ack || ack.queued !== true) problem(`${bot.name}: queue acked ${JSON.stringify(ack)}, want {"queued":true}`);
    });
    onConnected();
  };
  bot.sendInput = () => {
    if (!socket.connected) return;
    const seq = ++bot.seq;
    const dx = Math.floor(Math.random() * 3) - 1;
    const dy = Math.floor(Math.random() * 3) - 1;
    const after = bot.lastTick;
    const dropsBefore = bot.drop ? 1 : 0;
    bot.inputs.sent++;
    bot.inputs.pending++;
    socket.timeout(ACK_TIMEOUT).emit("input", { seq, dx, dy }, (err, ack) => {
      bot.inputs.pending--;
      if (err) {
        // An input in flight when the connection was cut may be lost.
        if (!(bot.drop && dropsBefore === 0)) bot.inputs.timeouts++;
        bot.inputsUnknown = true;
        return;
      }
      if (ack && ack.error) {
        bot.inputs.errors++;
        return problem(`${bot.name}: input ${seq} acked an error: ${ack.error}`);
      }
      if (!ack || ack.seq !== seq || !Number.isInteger(ack.tick) || ack.tick <= after) {
        bot.inputs.bad++;
        return problem(`${bot.name}: input ${seq} sent after tick ${after} acked ${JSON.stringify(ack)}, want {"seq":${seq},"tick":<after ${after}>}`);
      }
      bot.inputs.acked++;
      bot.applied.push([ack.tick, dx, dy, seq]);
    });
  };
  return bot;
}

let states = 0;
let left = 0;
let playing = false;
const latencies = [];
const bots = [];
let connectedCount = 0;
let matchedCount = 0;
let started = false;

const connectTimer = setTimeout(() => {
  problem(`${bots.length - connectedCount} of ${bots.length} bots not connected after ${CONNECT_TIMEOUT} ms`);
  finish();
}, CONNECT_TIMEOUT);
let matchTimer = null;

function onConnected() {
  connectedCount++;
  if (connectedCount === bots.length) {
    clearTimeout(connectTimer);
    matchTimer = setTimeout(() => {
      problem(`${bots.length - matchedCount} of ${bots.length} bots not matched after ${MATCH_TIMEOUT} ms (is --bots a multiple of the server's MATCH_SIZE?)`);
      play();
    }, MATCH_TIMEOUT);
  }
}

function onMatched() {
  matchedCount++;
  if (matchedCount === bots.length) {
    clearTimeout(matchTimer);
    play();
  }
}

const timers = [];

function play() {
  if (started) return;
  started = true;
  playing = true;
  const matched = bots.filter((b) => b.match !== null);
  if (opts.inputsHz > 0) {
    const every = 1000 / opts.inputsHz;
    for (const b of matched) {
      timers.push(setTimeout(() => timers.push(setInterval(b.sendInput, every)), Math.random() * every));
    }
  }
  // Dropped bots spread over the list (so over the matches).
  const step = opts.drop > 0 ? Math.floor(matched.length / opts.drop) : 0;
  for (let k = 0; k < opts.drop && k * step < matched.length; k++) {
    const b = matched[k * step];
    timers.push(setTimeout(() => cut(b), (opts.seconds * 1000) / 3));
  }
  timers.push(setTimeout(stop, opts.seconds * 1000));
}

// cut drops a bot's TCP connection without a WebSocket close frame, as a
// network failure would; the client reconnects on its own after --drop-ms.
function cut(b) {
  const engine = b.socket.io.engine;
  const raw = engine && engine.transport && engine.transport.ws && engine.transport.ws._socket;
  b.drop = { at: nowMs(), tickBefore: b.lastTick, idBefore: b.socket.id, replayed: 0, how: raw ? "tcp destroy" : "engine close" };
  if (raw) raw.destroy();
  else engine.close();
}

let stopAt = Infinity;

function stop() {
  playing = false;
  stopAt = nowMs();
  for (const t of timers) clearTimeout(t);
  // The ticks sent before stopAt get 300 ms to arrive, the acks still in
  // flight up to 2 s.
  const until = Date.now() + 2000;
  const wait = () => {
    if (bots.some((b) => b.inputs.pending > 0) && Date.now() < until) return setTimeout(wait, 20);
    finish();
  };
  setTimeout(wait, 300);
}

function quantile(sorted, q) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const round = (v, d = 3) => Number(v.toFixed(d));

// checkInputs replays a bot's acked inputs over the positions its states
// show: between two states the player moved by exactly the inputs acked for
// the ticks in between, each step clamped to the grid.
function checkInputs(b) {
  if (b.inputsUnknown || b.mine.length < 2) return { checked: 0, mismatches: 0 };
  const inputs = [...b.applied].sort((u, v) => u[3] - v[3]);
  let checked = 0;
  let mismatches = 0;
  for (let k = 1; k < b.mine.length; k++) {
    const [ta, xa, ya] = b.mine[k - 1];
    const [tb, xb, yb] = b.mine[k];
    if (tb <= ta) continue;
    let x = xa;
    let y = ya;
    for (const [tick, dx, dy] of inputs) {
      if (tick > ta && tick <= tb) {
        x = Math.min(GRID - 1, Math.max(0, x + dx));
        y = Math.min(GRID - 1, Math.max(0, y + dy));
      }
    }
    checked++;
    if (x !== xb || y !== yb) {
      mismatches++;
      if (mismatches === 1) problem(`${b.name}: at tick ${tb} at (${xb},${yb}), want (${x},${y}) from (${xa},${ya}) at tick ${ta} and the inputs acked in between`);
    }
  }
  return { checked, mismatches };
}

let finished = false;

function finish() {
  if (finished) return;
  finished = true;
  clearTimeout(connectTimer);
  clearTimeout(matchTimer);
  // The ticks a match sent are the ticks any of its bots got. A tick none
  // got was skipped by the server (a late loop: allowed, and counted apart);
  // one sent before the end that others got and a bot did not, from its
  // first tick on, is lost.
  const sent = new Map(); // match -> Set of ticks
  for (const b of bots) {
    if (b.match === null) continue;
    if (!sent.has(b.match)) sent.set(b.match, new Set());
    for (const t of b.ticks) if (b.tickT.get(t) < stopAt) sent.get(b.match).add(t);
  }
  const lostAfter = (b, from) => {
    let n = 0;
    for (const t of sent.get(b.match) || []) if (t > from && !b.tickT.has(t)) n++;
    return n;
  };
  let skipped = 0;
  for (const ticks of sent.values()) {
    const sorted = [...ticks].sort((u, v) => u - v);
    for (let k = 1; k < sorted.length; k++) skipped += sorted[k] - sorted[k - 1] - 1;
  }
  let missing = 0;
  let received = 0;
  const perBot = bots.map((b) => {
    let dup = 0;
    let last = 0;
    for (const t of b.ticks) {
      if (last > 0 && t <= last) dup++;
      last = Math.max(last, t);
    }
    const first = b.ticks.length ? Math.min(...b.ticks) : 0;
    const lost = b.match !== null ? lostAfter(b, first - 1) : 0;
    const unique = b.ticks.length - dup;
    missing += lost;
    received += unique;
    if (dup > 0) problem(`${b.name}: ${dup} states out of order or repeated`);
    if (b.match !== null && b.ticks.length === 0) problem(`${b.name}: matched but got no state`);
    if (lost > 0 && !b.drop) problem(`${b.name}: ${lost} ticks its match-mates got never came`);
    return {
      name: b.name,
      match: b.match,
      states: b.ticks.length,
      first_tick: first || null,
      last_tick: last || null,
      missing: lost,
      dup,
      loss_pct: unique + lost > 0 ? round((100 * lost) / (unique + lost)) : null,
    };
  });
  latencies.sort((u, v) => u - v);
  const inputs = { sent: 0, acked: 0, bad_acks: 0, errors: 0, timeouts: 0, unanswered: 0, checked_states: 0, mismatches: 0 };
  for (const b of bots) {
    inputs.sent += b.inputs.sent;
    inputs.acked += b.inputs.acked;
    inputs.bad_acks += b.inputs.bad;
    inputs.errors += b.inputs.errors;
    inputs.timeouts += b.inputs.timeouts;
    inputs.unanswered += b.inputs.pending;
    const c = checkInputs(b);
    inputs.checked_states += c.checked;
    inputs.mismatches += c.mismatches;
  }
  if (inputs.timeouts > 0) problem(`${inputs.timeouts} inputs got no ack within ${ACK_TIMEOUT} ms`);
  if (inputs.unanswered > 0) problem(`${inputs.unanswered} inputs still unanswered at the end`);
  if (opts.inputsHz > 0 && inputs.acked === 0 && matchedCount > 0) problem("no input was acked");
  const dropped = bots
    .filter((b) => b.drop)
    .map((b) => {
      const d = b.drop;
      const after = lostAfter(b, d.tickBefore);
      const row = {
        name: b.name,
        how: d.how,
        away_ms: d.backAt !== undefined ? round(d.backAt - d.at, 1) : null,
        recovered: d.recovered === true,
        same_id: d.idAfter === d.idBefore,
        replayed: d.replayed,
        tick_before: d.tickBefore,
        missing_after_drop: after,
      };
      if (d.backAt === undefined) problem(`${b.name}: did not reconnect after the drop`);
      else if (!row.recovered || !row.same_id) problem(`${b.name}: came back recovered=${row.recovered}, id ${d.idBefore} -> ${d.idAfter}`);
      if (after > 0) problem(`${b.name}: ${after} ticks missing after the drop`);
      if (d.backAt !== undefined && d.replayed === 0) problem(`${b.name}: no state replayed after ${row.away_ms} ms away`);
      return row;
    });
  if (opts.drop > 0 && dropped.length < opts.drop) problem(`${dropped.length} of ${opts.drop} drops done`);
  if (left > 0 && dropped.every((d) => d.recovered)) problem(`${left} left events while every player stayed`);
  const report = {
    url: opts.url,
    bots: bots.length,
    connected: connectedCount,
    matched: matchedCount,
    matches: new Set(bots.filter((b) => b.match !== null).map((b) => b.match)).size,
    seconds: opts.seconds,
    inputs_hz: opts.inputsHz,
    states,
    received_ticks: received,
    missing_ticks: missing,
    skipped_ticks: skipped,
    loss_pct: received + missing > 0 ? round((100 * missing) / (received + missing)) : null,
    latency_ms: {
      n: latencies.length,
      p50: round(quantile(latencies, 0.5)),
      p99: round(quantile(latencies, 0.99)),
      max: round(latencies.length ? latencies[latencies.length - 1] : 0),
    },
    inputs,
    left,
    drop: { asked: opts.drop, after_s: round(opts.seconds / 3), away_ms: opts.dropMs, bots: dropped },
    per_bot: perBot,
    ok: problems.length === 0 && matchedCount === bots.length,
    problems,
  };
  if (matchedCount > 0 && received === 0) {
    report.ok = false;
    report.problems.push("no state received");
  }
  for (const b of bots) b.socket.disconnect();
  process.stdout.write(JSON.stringify(report) + "\n", () => process.exit(report.ok ? 0 : 1));
}

for (let i = 0; i < opts.bots; i++) bots.push(newBot(i));
