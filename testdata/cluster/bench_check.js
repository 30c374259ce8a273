// The cluster check of the bench contract (docs/bench-contract.md, section
// 6) against two bench servers in REDIS_URL mode on one Redis, with the
// official socket.io-client:
//
//   node testdata/cluster/bench_check.js http://127.0.0.1:PORT_A http://127.0.0.1:PORT_B
//
// Client a connects to the first server, b to the second, and both join "r";
// a warm-up waits until fanouts cross between the servers. Each sends a fanout and a relay to "r" and an sse; a final fanout from each
// is the barrier after which nothing more may arrive. Then each asks for
// count("r"), b leaves "r", and a asks again. It prints what each client
// received and was answered as one JSON line, for the Go test to judge:
//
//   {"join":{"a":N,"b":N}, "fanout":{"a":[...],"b":[...]}, "relay":{...},
//    "sseGot":{...}, "count":{"a":N,"b":N}, "countAfterLeave":N}
//
// (received lists sorted: deliveries from the two servers may interleave).
// A client that cannot connect, or an ack that does not come within 5 s, is
// one line on stderr and exit 1; deliveries that never come are simply
// missing from the lists.
"use strict";

const { io } = require("socket.io-client");

const [urlA, urlB] = process.argv.slice(2);
const timeout = 5000;

function connect(url) {
  const socket = io(url, { transports: ["websocket"], reconnection: false, timeout });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => reject(new Error(`connect ${url}: ${err.message}`)));
  });
}

// record keeps every payload of the events the contract's servers send.
function record(socket) {
  const got = { fanout: [], relay: [], "sse-got": [] };
  const waiters = [];
  for (const event of Object.keys(got)) {
    socket.on(event, (payload) => {
      got[event].push(payload);
      for (const w of waiters.splice(0)) w();
    });
  }
  // until resolves once cond() holds, or after ms (default timeout)
  // regardless.
  got.until = (cond, ms = timeout) =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      const check = () => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
        } else {
          waiters.push(check);
        }
      };
      check();
    });
  return got;
}

const ack = (socket, ...args) => socket.timeout(timeout).emitWithAck(...args);

async function main() {
  const [a, b] = await Promise.all([connect(urlA), connect(urlB)]);
  const got = { a: record(a), b: record(b) };
  try {
    const join = { a: await ack(a, "join", "r"), b: await ack(b, "join", "r") };

    // Warm-up, as the bench has one: a server may still be subscribing to
    // the room when the join is acked (the sharded adapter subscribes to a
    // room's own channel without waiting for Redis), so each side sends
    // fanouts until one reaches the other server's client. They are left out
    // of the lists below.
    for (const [from, to, tag] of [[a, got.b, "warm-a"], [b, got.a, "warm-b"]]) {
      const deadline = Date.now() + timeout;
      while (!to.fanout.includes(tag)) {
        if (Date.now() > deadline) throw new Error(`warm-up: no fanout from one server to the other within ${timeout} ms`);
        from.emit("fanout", "r", tag);
        await to.until(() => to.fanout.includes(tag), 100);
      }
    }

    a.emit("fanout", "r", "fanout-a");
    b.emit("fanout", "r", "fanout-b");
    a.emit("relay", "r", "relay-a");
    b.emit("relay", "r", "relay-b");
    await ack(a, "sse", "sse-a");
    await ack(b, "sse", "sse-b");
    // The barrier: each server relays its own packets in order, so once both
    // ends are in, every earlier delivery (and any duplicate) is too. The
    // sse goes another way (server-side emit), so it is waited for itself.
    a.emit("fanout", "r", "end-a");
    b.emit("fanout", "r", "end-b");
    const settled = (g, sse) => () =>
      g.fanout.includes("end-a") && g.fanout.includes("end-b") && g["sse-got"].includes(sse);
    await Promise.all([got.a.until(settled(got.a, "sse-b")), got.b.until(settled(got.b, "sse-a"))]);

    const count = { a: await ack(a, "count", "r"), b: await ack(b, "count", "r") };
    await ack(b, "leave", "r");
    const countAfterLeave = await ack(a, "count", "r");

    const real = (list) => list.filter((p) => !String(p).startsWith("warm-")).sort();
    const sorted = (event) => ({ a: real(got.a[event]), b: real(got.b[event]) });
    const result = {
      join,
      fanout: sorted("fanout"),
      relay: sorted("relay"),
      sseGot: sorted("sse-got"),
      count,
      countAfterLeave,
    };
    process.stdout.write(JSON.stringify(result) + "\n");
  } finally {
    a.disconnect();
    b.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench_check: ${err.message}\n`);
    process.exit(1);
  },
);
