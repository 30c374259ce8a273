"use strict";
// Makes the calls the Go test lists with the npm @socket.io/redis-emitter,
// one after another, so that the test can compare what it publishes with
// what the Go emitter publishes for the same calls:
//
//   node npm_emit.js REDIS_URL < calls.json
//
// calls.json is a JSON array of JavaScript expressions over `e` (an Emitter
// with the default options), `Emitter` and `client` (node-redis). It exits 0
// once Redis has answered every PUBLISH; anything else is one line on
// stderr and exit 1.

const { createClient } = require("redis");
const { Emitter } = require("@socket.io/redis-emitter");

async function main() {
  const calls = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const client = createClient({ url: process.argv[2] });
  client.on("error", (err) => fail(err));
  await client.connect();
  const e = new Emitter(client);
  for (const call of calls) {
    new Function("e", "Emitter", "client", call)(e, Emitter, client);
  }
  await client.close(); // after the pending PUBLISHes
}

function fail(err) {
  process.stderr.write(`npm_emit: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
}

main().catch(fail);
