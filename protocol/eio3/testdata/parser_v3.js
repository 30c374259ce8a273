"use strict";
// Encodes the cases on stdin with Node's Engine.IO v3 parser (engine.io's
// build/parser-v3, engine.io-parser 2.x as Node's allowEIO3 uses it) and
// prints the results as JSON (see ../crosscheck_test.go).
//
// In:  [{"packets":[{"type":"message","data":"text"|{"$bin":base64}}],"supportsBinary":bool}]
// Out: [{"payload":{"text":s}|{"hex":h},"single":[{"text":s}|{"hex":h}],"decoded":[packet...]}]
const path = require("path");
// Not exported by the package: reached by its path next to the entry point.
const parser = require(path.join(path.dirname(require.resolve("engine.io")), "parser-v3"));

const revive = (d) => (d && typeof d === "object" ? Buffer.from(d.$bin, "base64") : d);
const tame = (d) => (Buffer.isBuffer(d) ? { $bin: d.toString("base64") } : d);
const wire = (d) => (Buffer.isBuffer(d) ? { hex: d.toString("hex") } : { text: d });

let input = "";
process.stdin.on("data", (c) => (input += c));
process.stdin.on("end", () => {
  const out = JSON.parse(input).map((c) => {
    const packets = c.packets.map((p) => (p.data === undefined ? { type: p.type } : { type: p.type, data: revive(p.data) }));
    const r = { single: [] };
    parser.encodePayload(packets, c.supportsBinary, (data) => (r.payload = wire(data)));
    for (const p of packets) parser.encodePacket(p, c.supportsBinary, (data) => r.single.push(wire(data)));
    r.decoded = [];
    const payload = r.payload.hex !== undefined ? Buffer.from(r.payload.hex, "hex") : r.payload.text;
    parser.decodePayload(payload, (p) => {
      r.decoded.push({ type: p.type, data: tame(p.data) });
    });
    return r;
  });
  process.stdout.write(JSON.stringify(out));
});
