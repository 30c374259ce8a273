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

module.exports = { harness };
