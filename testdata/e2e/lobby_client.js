"use strict";
// Room members for the broadcast-routing tests (../../broadcast_e2e_test.go),
// with the official socket.io-client:
//
//   node lobby_client.js <server URL> <polling|websocket> <json|msgpack> <name,...>
//
// Each name connects (auth {name}) and records the argument of every "msg"
// it receives, in order. It prints {"event":"connected"} once all are
// connected; when every client has received "end", it prints
// {"event":"result","got":{name:[...]}} and disconnects them.

const { io } = require("socket.io-client");
const { harness, clientOptions } = require("./harness");

const [url, transport, parserName, list] = process.argv.slice(2);
const h = harness(`lobby_client.js ${transport} ${parserName}`);
const { emit, fail, finish } = h;
if (!list) fail("usage: node lobby_client.js <url> <polling|websocket> <json|msgpack> <name,...>");

const options = clientOptions(h, transport, parserName, { forceNew: true });

async function main() {
  const names = list.split(",");
  const clients = names.map((name) => {
    const socket = io(url, { ...options, auth: { name } });
    const got = [];
    socket.on("msg", (tag) => got.push(tag));
    const connected = new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", (err) => reject(new Error(`${name}: connect_error ${err.message}`)));
    });
    const end = new Promise((resolve) => socket.once("end", resolve));
    return { name, socket, got, connected, end };
  });
  h.step = "connect";
  await Promise.all(clients.map((c) => c.connected));
  emit({ event: "connected" });
  h.step = "receive until end";
  await Promise.all(clients.map((c) => c.end));
  const got = {};
  for (const c of clients) got[c.name] = c.got;
  h.step = "disconnect";
  for (const c of clients) c.socket.disconnect();
  finish({ got });
}

main().catch((err) => fail(`at step ${h.step}: ${err && err.stack ? err.stack : err}`));
