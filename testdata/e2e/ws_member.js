"use strict";
// A Socket.IO room member that speaks Engine.IO v4 / Socket.IO v5 by hand
// over the npm `ws` package, which checks that text frames are UTF-8, as
// browsers do (see ../../utf8_relay_test.go):
//
//   node ws_member.js <server URL>
//
// It connects to the main namespace over WebSocket, answers pings, and
// prints one JSON object per line: {"event":"connected"} once the
// namespace accepted it, {"event":"msg","args":[...]} for every event
// "msg" it receives, and {"event":"lost",...} if the connection fails or
// closes before the test closes stdin. When stdin closes it closes with
// 1000 and prints its result.

const WebSocket = require("ws");
const { harness } = require("./harness");

const [url] = process.argv.slice(2);
const h = harness("ws_member.js");
const { emit, fail, finish } = h;

const ws = new WebSocket(url.replace(/^http/, "ws") + "/socket.io/?EIO=4&transport=websocket");
let leaving = false;
let received = 0;

h.step = "open";
ws.on("message", (data, isBinary) => {
  if (isBinary) fail(`unexpected binary frame of ${data.length} bytes`);
  const text = data.toString("utf8");
  switch (text[0]) {
    case "0": // Engine.IO open: connect to the main namespace
      h.step = "namespace connect";
      ws.send("40");
      return;
    case "2": // ping
      ws.send("3");
      return;
    case "4":
      break;
    default:
      return;
  }
  if (text.startsWith("40")) {
    h.step = "receive events";
    emit({ event: "connected" });
  } else if (text.startsWith("42")) {
    const [name, ...args] = JSON.parse(text.slice(2));
    if (name === "msg") {
      received++;
      emit({ event: "msg", args });
    }
  }
});
ws.on("error", (err) => {
  if (!leaving) emit({ event: "lost", error: String(err && err.message), code: err && err.code });
});
ws.on("close", (code, reason) => {
  if (!leaving) {
    emit({ event: "lost", code, reason: reason.toString() });
    fail(`connection closed by ${code} ${reason}`);
  }
  finish({ received });
});

process.stdin.resume();
process.stdin.on("end", () => {
  leaving = true;
  h.step = "close";
  ws.close(1000);
});
