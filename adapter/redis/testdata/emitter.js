"use strict";
// Publishes with npm @socket.io/redis-emitter 5.1 (uid "emitter"), as a
// worker without a server would, then quits: see mixed_test.go.
//
//   node emitter.js <redis URL>
//
// In order: to r1 except vip "from-emitter" (1, <05>, {n: <06>}); to vip
// "emitter-vip" ("x"), a single room's channel; in r1 socketsJoin
// "emitted"; serverSideEmit "sse" ("emitted"); to all "emitter-fence".

const { Emitter } = require("@socket.io/redis-emitter");
const { createClient } = require("redis");

(async () => {
  const client = createClient({ url: process.argv[2] });
  client.on("error", (err) => process.stderr.write(`emitter.js: ${err.message}\n`));
  await client.connect();
  const io = new Emitter(client);
  io.to("r1").except("vip").emit("from-emitter", 1, Buffer.from([5]), { n: Buffer.from([6]) });
  io.to("vip").emit("emitter-vip", "x");
  io.in("r1").socketsJoin("emitted");
  io.serverSideEmit("sse", "emitted");
  io.to("all").emit("emitter-fence");
  await client.quit(); // after every command above has been answered
})().catch((err) => {
  process.stderr.write(`emitter.js: ${err.message}\n`);
  process.exit(1);
});
