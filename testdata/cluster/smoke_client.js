// The official socket.io-client against two cluster members, for the smoke
// test of node_server.js (internal/testkit/nodecluster):
//
//   node testdata/cluster/smoke_client.js http://127.0.0.1:PORT_A http://127.0.0.1:PORT_B
//
// Client a connects to the first server, b to the second; both join room "r".
// a asks its server to emit "hello" to "r" and waits until b has it; then b
// asks its server to fetch the sockets of "r", which spans both servers. It
// prints what it saw as one JSON line, {"a","b","hello","fetch"}, for the Go
// test to judge, and exits 0; anything that goes wrong (a connect error, an
// ack or the broadcast not coming within 5 s) is one line on stderr and exit
// 1.
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

function within(what, promise) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${timeout} ms`)), timeout);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function main() {
  const [a, b] = await Promise.all([connect(urlA), connect(urlB)]);
  try {
    await within("join a", a.timeout(timeout).emitWithAck("join", "r"));
    await within("join b", b.timeout(timeout).emitWithAck("join", "r"));
    const hello = new Promise((resolve) => b.once("hello", resolve));
    await within("to", a.timeout(timeout).emitWithAck("to", "r", "hello", { n: 1 }));
    const got = await within("hello on b", hello);
    const fetched = await within("fetch", b.timeout(timeout).emitWithAck("fetch", "r"));
    process.stdout.write(JSON.stringify({ a: a.id, b: b.id, hello: got, fetch: fetched }) + "\n");
  } finally {
    a.disconnect();
    b.disconnect();
  }
}

main().catch((err) => {
  process.stderr.write(`smoke_client: ${err.message}\n`);
  process.exit(1);
});
