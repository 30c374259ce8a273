"use strict";
// A puppet of official socket.io-client sockets for the API tests
// (../../api_e2e_test.go): the Go test sends one JSON command per line on
// stdin and reads one JSON object per line on stdout.
//
//   node api_client.js <server URL> <polling|websocket|default> <json|msgpack>
//
// Commands:
//   {"op":"connect","name":N,"nsp":"/x"}  a socket on a connection of its own
//   {"op":"emit","name":N,"event":E,"args":[...]}
//   {"op":"ack","name":N,"event":E}       answer the held ack of E (see below)
//   {"op":"disconnect","name":N}
//   {"op":"exit"}                         disconnect all, print the result, exit
//
// Printed: {"event":"connected","name","id"}, {"event":"connect_error",
// "name","message"}, {"event":"disconnect","name","reason"}, and for every
// event a socket receives {"event":"got","name","ev","args","ack"} (ack:
// whether the server asked for one). An event that asks for an ack is
// answered at once with [name + ":" + event, ...args], unless its name
// starts with "silent" (never answered) or "late" (held until an "ack"
// command). An event named "block" busy-waits args[0] ms before it returns,
// keeping the client from reading or polling meanwhile.

const readline = require("readline");
const { io } = require("socket.io-client");
const { harness, clientOptions, plain } = require("./harness");

const [url, transport, parserName] = process.argv.slice(2);
const h = harness(`api_client.js ${transport} ${parserName}`);
const { emit, fail, finish } = h;

const options = () => clientOptions(h, transport, parserName, { forceNew: true });

// Long strings are summarised: the test checks their length.
function brief(args) {
  return args.map((a) => (typeof a === "string" && a.length > 256 ? `<string of ${a.length}>` : plain(a)));
}

const sockets = new Map(); // name -> socket
const held = new Map(); // name + "\0" + event -> ack

function connect(name, nsp) {
  const socket = io(nsp === "/" ? url : url + nsp, options());
  sockets.set(name, socket);
  socket.on("connect", () => emit({ event: "connected", name, id: socket.id }));
  socket.on("connect_error", (err) => emit({ event: "connect_error", name, message: err.message }));
  socket.on("disconnect", (reason) => emit({ event: "disconnect", name, reason }));
  socket.onAny((ev, ...args) => {
    let ack = null;
    if (args.length > 0 && typeof args[args.length - 1] === "function") ack = args.pop();
    emit({ event: "got", name, ev, args: brief(args), ack: ack !== null });
    if (ev === "block") {
      const until = Date.now() + Number(args[0]);
      while (Date.now() < until) {
        // busy: no reading, no polling
      }
    }
    if (ack === null || ev.startsWith("silent")) return;
    if (ev.startsWith("late")) {
      held.set(name + "\0" + ev, ack);
      return;
    }
    ack(`${name}:${ev}`, ...args);
  });
}

function socketOf(name) {
  const s = sockets.get(name);
  if (!s) fail(`no socket named ${name}`);
  return s;
}

function run(cmd) {
  h.step = `command ${JSON.stringify(cmd)}`;
  switch (cmd.op) {
    case "connect":
      connect(cmd.name, cmd.nsp || "/");
      break;
    case "emit":
      socketOf(cmd.name).emit(cmd.event, ...(cmd.args || []));
      break;
    case "ack": {
      const key = cmd.name + "\0" + cmd.event;
      const ack = held.get(key);
      if (!ack) fail(`no held ack for ${cmd.event} on ${cmd.name}`);
      held.delete(key);
      ack(`${cmd.name}:${cmd.event}`);
      break;
    }
    case "disconnect":
      socketOf(cmd.name).disconnect();
      break;
    case "exit":
      for (const s of sockets.values()) s.disconnect();
      process.stdin.destroy(); // let Node exit
      finish({});
      break;
    default:
      fail(`unknown command ${JSON.stringify(cmd)}`);
  }
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch (err) {
    fail(`bad command ${JSON.stringify(line)}: ${err.message}`);
  }
  run(cmd);
});
