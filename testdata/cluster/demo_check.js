// The demo chat on two servers of one cluster, with the official client:
//
//   node testdata/cluster/demo_check.js http://127.0.0.1:PORT_A http://127.0.0.1:PORT_B
//
// alice joins on server A, bob on server B. Each must see both in the user
// list; alice's message reaches bob, bob's reaches alice; "alice" on server
// B is refused (taken on A); bob's switch to #random is seen in alice's
// list. Prints one JSON line of what happened; a step that does not happen
// within 10 s is one line on stderr and exit 1.
"use strict";

const { io } = require("socket.io-client");

const [urlA, urlB] = process.argv.slice(2);
const timeout = 10000;

function fail(msg) {
  process.stderr.write(`demo_check: ${msg}\n`);
  process.exit(1);
}

// connect resolves with the socket once connected. listen, if given, gets
// the socket before it connects: a listener added after "connect" would
// miss what the server sends at once (the user list can come in the same
// read as the CONNECT reply, and is then dispatched before the await
// returns).
function connect(url, username, listen) {
  const socket = io(url, { transports: ["websocket"], reconnection: false, timeout, auth: { username } });
  if (listen) listen(socket);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => reject(err));
  });
}

// until resolves with the first value of event for which pred holds.
function until(socket, event, pred, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), timeout);
    const on = (v) => {
      if (pred(v)) {
        clearTimeout(timer);
        socket.off(event, on);
        resolve(v);
      }
    };
    socket.on(event, on);
  });
}

const names = (list) => list.map((u) => `${u.username}@${u.channel}`).sort().join(",");

async function main() {
  const result = {};
  const alice = await connect(urlA, "alice");
  const aliceSeesBob = until(alice, "users", (l) => names(l) === "alice@general,bob@general", "alice's list with bob");
  let bobSeesAlice;
  const bob = await connect(urlB, "bob", (s) => {
    bobSeesAlice = until(s, "users", (l) => names(l) === "alice@general,bob@general", "bob's list with alice");
  });
  await bobSeesAlice;
  await aliceSeesBob;
  result.lists = "alice@general,bob@general";

  const bobGets = until(bob, "message", (m) => m.from === "alice", "alice's message at bob");
  const ackA = await alice.timeout(timeout).emitWithAck("message", "hi bob");
  result.toBob = (await bobGets).text;
  result.delivered = ackA.delivered;
  const aliceGets = until(alice, "message", (m) => m.from === "bob", "bob's message at alice");
  await bob.timeout(timeout).emitWithAck("message", "hi alice");
  result.toAlice = (await aliceGets).text;

  try {
    const twin = await connect(urlB, "alice");
    twin.disconnect();
    result.twin = "accepted";
  } catch (err) {
    result.twin = err.message;
  }

  const aliceSeesSwitch = until(alice, "users", (l) => names(l) === "alice@general,bob@random", "bob in #random in alice's list");
  await bob.timeout(timeout).emitWithAck("switch", "random");
  await aliceSeesSwitch;
  result.afterSwitch = "alice@general,bob@random";

  process.stdout.write(JSON.stringify(result) + "\n");
  alice.disconnect();
  bob.disconnect();
}

main().catch((err) => fail(err.message));
