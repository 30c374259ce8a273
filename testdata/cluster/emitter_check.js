// An npm @socket.io/redis-emitter publish reaching clients of two servers
// (docs/bench-contract.md section 6, bench servers in REDIS_URL mode):
//
//   node testdata/cluster/emitter_check.js REDIS_URL http://127.0.0.1:PORT_A http://127.0.0.1:PORT_B
//
// A client on each server joins "r"; the emitter sends fanout("from-emitter")
// to "r". Prints {"a":[...],"b":[...]}: the fanout payloads each client got
// within 5 s of the publish (or until both got one). A failure to connect or
// an ack that does not come is one line on stderr and exit 1.
//
//   node testdata/cluster/emitter_check.js --stdin http://127.0.0.1:PORT_A http://127.0.0.1:PORT_B
//
// The publish is the caller's (another emitter, such as the Go streams
// emitter): once both clients have joined "r" it prints the line `joined`,
// and waits for a line on stdin, sent once the caller has published, before
// it waits for the fanout as above.
"use strict";

const { io } = require("socket.io-client");
const { createClient } = require("redis");
const { Emitter } = require("@socket.io/redis-emitter");

const [redisURL, urlA, urlB] = process.argv.slice(2);
const timeout = 5000;

function fail(msg) {
  process.stderr.write(msg + "\n");
  process.exit(1);
}

function connect(url) {
  const socket = io(url, { transports: ["websocket"], reconnection: false, timeout });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => reject(new Error(`connect ${url}: ${err.message}`)));
  });
}

async function main() {
  const external = redisURL === "--stdin";
  let redis;
  if (!external) {
    redis = createClient({ url: redisURL });
    redis.on("error", () => {});
    await redis.connect();
  }
  const clients = { a: await connect(urlA), b: await connect(urlB) };
  const got = { a: [], b: [] };
  const arrived = [];
  for (const [name, socket] of Object.entries(clients)) {
    socket.on("fanout", (payload) => {
      got[name].push(payload);
      arrived.push(name);
    });
    await socket.timeout(timeout).emitWithAck("join", "r");
  }
  if (external) {
    process.stdout.write("joined\n");
    await published();
  } else {
    new Emitter(redis).to("r").emit("fanout", "from-emitter");
  }
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline && !(got.a.length && got.b.length)) {
    await new Promise((r) => setTimeout(r, 10));
  }
  process.stdout.write(JSON.stringify(got) + "\n");
  for (const socket of Object.values(clients)) socket.disconnect();
  if (redis) await redis.quit();
  process.exit(0); // stdin may still be open
}

// published resolves on the caller's line on stdin.
function published() {
  return new Promise((resolve, reject) => {
    const rl = require("node:readline").createInterface({ input: process.stdin });
    rl.once("line", () => {
      resolve(); // first: close emits "close" at once
      rl.close();
    });
    rl.once("close", () => reject(new Error("stdin closed before the publish")));
  });
}

main().catch((err) => fail(`emitter_check: ${err.message}`));
