"use strict";
// Prints, as one JSON object, the bytes npm @socket.io/redis-adapter 8.3
// and @socket.io/redis-emitter publish for each case of wire_test.go: the
// same JavaScript values they build, encoded the way they encode them
// (notepack.io for broadcasts, BROADCAST requests and BROADCAST_ACK
// responses, JSON.stringify otherwise). Hex for msgpack, text for JSON.

const msgpack = require("notepack.io");

const packet = { type: 2, data: ["ev", 1, 1.5, "é", Buffer.from([1, 2]), { b: true, a: null }], nsp: "/" };
const mp = (v) => ({ msgpack: msgpack.encode(v).toString("hex") });
const js = (v) => ({ json: JSON.stringify(v) });

const cases = {
  broadcast: mp(["uid1", packet, { rooms: ["r1"], except: [], flags: {} }]),
  broadcastFlags: mp(["uid1", { type: 2, data: ["ev"], nsp: "/chat" }, { rooms: ["a", "b"], except: ["c"], flags: { volatile: true, compress: false } }]),
  emitter: mp(["emitter", { type: 2, data: ["ev", "x"], nsp: "/" }, { rooms: ["r"], flags: {}, except: ["s"] }]),
  fetch: js({ uid: "uid1", requestId: "req1", type: 5, opts: { rooms: ["a"], except: ["b"] } }),
  allRooms: js({ uid: "uid1", requestId: "req1", type: 1 }),
  join: js({ uid: "uid1", type: 2, opts: { rooms: [], except: ["x"] }, rooms: ["r1", "r2"] }),
  leave: js({ uid: "uid1", type: 3, opts: { rooms: ["a"], except: [] }, rooms: ["r1"] }),
  disconnect: js({ uid: "uid1", type: 4, opts: { rooms: ["a"], except: [] }, close: true }),
  serverSideEmit: js({ uid: "uid1", type: 6, data: ["hello", "<&>", Buffer.from([255])] }),
  serverSideEmitAck: js({ uid: "uid1", requestId: "req1", type: 6, data: ["hello", 1] }),
  broadcastAck: mp({ uid: "uid1", requestId: "req1", type: 7, packet: { type: 2, data: ["poll"], nsp: "/" }, opts: { rooms: [], except: [], flags: { timeout: 1000 } } }),
  socketsResponse: js({ requestId: "req1", sockets: ["s1", "s2"] }),
  allRoomsResponse: js({ requestId: "req1", rooms: ["s1", "room"] }),
  fetchResponse: js({ requestId: "req1", sockets: [{ id: "s1", handshake: { headers: { host: "h" }, issued: 1 }, rooms: ["s1", "r"], data: { n: 1 } }] }),
  serverSideEmitResponse: js({ type: 6, requestId: "req1", data: { ok: [1, 2] } }),
  serverSideEmitResponseNone: js({ type: 6, requestId: "req1", data: undefined }),
  clientCountResponse: js({ type: 8, requestId: "req1", clientCount: 3 }),
  ackResponse: mp({ type: 9, requestId: "req1", packet: Buffer.from([7]) }),
  ackResponseNone: mp({ type: 9, requestId: "req1", packet: undefined }),
};
process.stdout.write(JSON.stringify(cases));
