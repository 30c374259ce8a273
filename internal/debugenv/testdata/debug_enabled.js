// Reads {"patterns": [...], "names": [...]} on stdin and prints, for each
// pattern, which names the debug module enables: the reference for
// DebugLevels' pattern syntax (loglevels_internal_test.go).
const createDebug = require("debug");

let input = "";
process.stdin.on("data", (c) => (input += c));
process.stdin.on("end", () => {
  const { patterns, names } = JSON.parse(input);
  const out = patterns.map((p) => {
    createDebug.enable(p);
    return names.map((n) => createDebug.enabled(n));
  });
  process.stdout.write(JSON.stringify(out));
});
