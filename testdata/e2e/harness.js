"use strict";
// What every e2e script shares: one JSON object per line on stdout, a
// failure that names the script and exits 1, the final result line, and a
// timeout that reports the step a hanging scenario was at before the Go
// test's own deadline kills it (E2E_TIMEOUT_MS, set by the test a little
// under that deadline). Scripts set h.step as they go.

function harness(label) {
  const h = { step: "start" };
  h.emit = (obj) => {
    process.stdout.write(JSON.stringify(obj) + "\n"); // a pipe: synchronous on Linux
  };
  h.fail = (msg) => {
    process.stderr.write(`${label}: ${msg}\n`);
    process.exit(1);
  };
  // finish reports the result; Node exits when the last socket has closed.
  h.finish = (result) => {
    h.step = "exit once every socket has closed";
    h.emit({ event: "result", ...result });
  };
  const timeoutMs = Number(process.env.E2E_TIMEOUT_MS) || 10000;
  // Unreferenced: it does not keep Node alive by itself.
  setTimeout(() => h.fail(`timed out after ${timeoutMs}ms at step: ${h.step}`), timeoutMs).unref();
  return h;
}

// clientOptions are the official client's options for a transport
// ("polling", "websocket" or "default": both, upgrading) and a parser
// ("json" or "msgpack"), over base; anything else fails through h.
function clientOptions(h, transport, parserName, base) {
  const o = { reconnection: false, ...base };
  switch (transport) {
    case "polling":
    case "websocket":
      o.transports = [transport];
      break;
    case "default":
      break;
    default:
      h.fail(`unknown transport ${transport}`);
  }
  switch (parserName) {
    case "msgpack":
      o.parser = require("socket.io-msgpack-parser");
      break;
    case "json":
      break;
    default:
      h.fail(`unknown parser ${parserName}`);
  }
  return o;
}

// plain turns a received value into JSON that keeps what JSON.stringify
// would lose: binary as "<type>:<hex>", undefined as "<undefined>".
function plain(v) {
  if (v === undefined) return "<undefined>";
  if (Buffer.isBuffer(v)) return `buffer:${v.toString("hex")}`;
  if (v instanceof ArrayBuffer) return `arraybuffer:${Buffer.from(v).toString("hex")}`;
  if (ArrayBuffer.isView(v)) {
    return `${v.constructor.name.toLowerCase()}:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex")}`;
  }
  if (typeof v === "function") return "<function>";
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = plain(x);
    return o;
  }
  return v;
}

module.exports = { harness, clientOptions, plain };
