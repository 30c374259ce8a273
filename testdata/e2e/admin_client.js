"use strict";
// Speaks the admin UI's protocol to /admin with the official
// socket.io-client, as the stock UI does (see ../../admin_ui_e2e_test.go):
//
//   node admin_client.js protocol <server URL> <username> <password>
//   node admin_client.js cluster <server A URL> <server B URL>
//
// protocol: a user client connects to "/" first (the server puts it in
// room "lobby", answers its "hello" with "welcome" and sets its data).
// Then /admin refuses a wrong password and no credentials, and accepts the
// right ones ("session", then "config", "all_sockets", "server_stats"). The
// admin hears the user's events both ways and its data change, a socket
// of a dynamic namespace (/dyn-1, a child of /^\/dyn-\d+$/), a polling
// client's upgrade; it makes the user join and leave a room, emits to the
// namespace, and disconnects the user. A second admin client logs in with
// the session id alone.
//
// cluster: two servers on one Redis, both instrumented without auth. A
// user connects to B, the admin to A: A's admin hears both servers' stats,
// lists the user (its client id and transport from B's socket data, as
// Node's), hears its event, and disconnects it across the cluster.
//
// It prints one JSON line per step and a result; every wait has a deadline.

const { io } = require("socket.io-client");
const { harness } = require("./harness");

const [scenario, url, username, password] = process.argv.slice(2);
const h = harness(`admin_client.js ${scenario}`);
const { emit, fail, finish } = h;
const waitMs = 5000;

// once resolves with the arguments of socket's next `event`.
function once(socket, event) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${waitMs}ms`)), waitMs);
    socket.once(event, (...args) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

// until resolves with the arguments of the first `event` that pass ok.
function until(socket, event, ok) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no matching ${event} within ${waitMs}ms`)), waitMs);
    const f = (...args) => {
      if (!ok(...args)) return;
      clearTimeout(t);
      socket.off(event, f);
      resolve(args);
    };
    socket.on(event, f);
  });
}

// poll resolves with f()'s first truthy value, checking every 10ms, or
// rejects after waitMs.
function poll(f) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + waitMs;
    const tick = () => {
      const v = f();
      if (v) return resolve(v);
      if (Date.now() > deadline) return reject(new Error(`not seen within ${waitMs}ms: ${f}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

async function refused(auth) {
  const s = io(`${url}/admin`, { reconnection: false, forceNew: true, auth });
  const [err] = await once(s, "connect_error");
  s.close();
  return err.message;
}

async function protocol() {
  h.step = "user connects";
  const user = io(url, { reconnection: false, forceNew: true, transports: ["websocket"] });
  // The server joins it to lobby in its connection handler, then says
  // "joined" (which may come in the same read as the CONNECT reply).
  const inLobby = once(user, "joined");
  await once(user, "connect");
  await inLobby;
  const userId = user.id; // the client forgets it once disconnected
  emit({ event: "user-connected", id: userId });

  h.step = "wrong credentials";
  const wrongPassword = await refused({ username, password: password + "x" });
  const noCredentials = await refused(undefined);

  h.step = "admin logs in";
  const admin = io(`${url}/admin`, { reconnection: false, forceNew: true, auth: { username, password } });
  const session = once(admin, "session");
  const config = once(admin, "config");
  const allSockets = once(admin, "all_sockets");
  const stats = once(admin, "server_stats");
  await once(admin, "connect");
  const [sessionId] = await session;
  const [cfg] = await config;
  const [sockets] = await allSockets;
  const [firstStats] = await stats;

  h.step = "the user's events reach the admin";
  const received = until(admin, "event_received", (nsp, id) => nsp === "/" && id === user.id);
  const sent = until(admin, "event_sent", (nsp, id) => nsp === "/" && id === user.id);
  const dataUpdate = until(admin, "socket_updated", (u) => u.id === user.id && u.data);
  user.emit("hello", { text: "hi" }, 42);
  await once(user, "welcome");
  const [, , receivedArgs, receivedAt] = await received;
  const [, , sentArgs] = await sent;
  const [dataUpdateMsg] = await dataUpdate;

  h.step = "a socket of a dynamic namespace is reported too";
  const dynConnected = until(admin, "socket_connected", (sock) => sock.nsp === "/dyn-1");
  const dyn = user.io.socket("/dyn-1");
  dyn.connect();
  await once(dyn, "connect");
  const [dynSocket] = await dynConnected;
  const dynReceived = until(admin, "event_received", (nsp) => nsp === "/dyn-1");
  dyn.emit("ping-dyn");
  const [, dynEventId, dynArgs] = await dynReceived;
  if (dynEventId !== dyn.id) fail(`event_received from /dyn-1 names socket ${dynEventId}, want ${dyn.id}`);

  h.step = "a client that starts on polling is reported on WebSocket once upgraded";
  // Its socket may connect before or after the upgrade: the UI learns the
  // transport from socket_connected, or then from socket_updated. Both
  // may come before the client knows its own id: they are logged from now.
  const log = [];
  admin.on("socket_connected", (sock) => log.push({ type: "connected", sock }));
  admin.on("socket_updated", (sock) => log.push({ type: "updated", sock }));
  const upgrader = io(url, { reconnection: false, forceNew: true, transports: ["polling", "websocket"] });
  await once(upgrader, "connect");
  const upgraderId = upgrader.id;
  const logged = (type) => log.find((e) => e.type === type && e.sock.nsp === "/" && e.sock.id === upgraderId);
  const connected = (await poll(() => logged("connected"))).sock;
  const upgrade = { connectedOn: connected.transport };
  if (connected.transport === "polling") upgrade.updated = (await poll(() => logged("updated"))).sock;
  upgrader.close();

  h.step = "the admin makes the user join a room";
  const joined = until(admin, "room_joined", (nsp, room, id) => nsp === "/" && room === "extra" && id === user.id);
  admin.emit("join", "/", "extra", user.id);
  await joined;

  h.step = "the admin emits to the namespace, then makes the user leave the room";
  const notice = once(user, "notice");
  admin.emit("emit", "/", undefined, "notice", "from admin", 7);
  const noticeArgs = await notice;
  const left = until(admin, "room_left", (nsp, room, id) => nsp === "/" && room === "extra" && id === userId);
  admin.emit("leave", "/", "extra", userId);
  await left;

  h.step = "the admin disconnects the user";
  const gone = until(admin, "socket_disconnected", (nsp, id) => nsp === "/" && id === userId);
  const userDisconnect = once(user, "disconnect");
  admin.emit("_disconnect", "/", false, user.id);
  const [userReason] = await userDisconnect;
  const [, , serverReason] = await gone;

  h.step = "a second admin logs in with the session id";
  const again = io(`${url}/admin`, { reconnection: false, forceNew: true, auth: { sessionId } });
  let newSession = false;
  again.on("session", () => (newSession = true));
  await once(again, "connect");

  admin.close();
  again.close();
  dyn.close();
  finish({
    wrongPassword, noCredentials, sessionId, config: cfg, sockets, stats: firstStats,
    receivedArgs, receivedAt, sentArgs, userReason, dynSocket, dynArgs, upgrade, dataUpdate: dataUpdateMsg, notice: noticeArgs, left: true, serverReason, newSession, userId,
  });
}

async function cluster() {
  const [urlA, urlB] = [url, username];
  h.step = "user connects to B";
  const user = io(urlB, { reconnection: false, forceNew: true, transports: ["websocket"] });
  const inLobby = once(user, "joined");
  await once(user, "connect");
  await inLobby;
  const userId = user.id;

  h.step = "admin connects to A";
  const admin = io(`${urlA}/admin`, { reconnection: false, forceNew: true });
  const seen = new Set();
  const bothServers = new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server_stats only from ${[...seen]} within ${waitMs}ms`)), waitMs);
    admin.on("server_stats", (s) => {
      seen.add(s.serverId);
      if (seen.has("A") && seen.has("B")) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  const allSockets = once(admin, "all_sockets");
  await once(admin, "connect");
  const [sockets] = await allSockets;
  await bothServers;

  h.step = "the user's event, from B, reaches A's admin";
  const received = until(admin, "event_received", (nsp, id) => nsp === "/" && id === userId);
  user.emit("hello", "from B");
  const [, , receivedArgs] = await received;

  h.step = "A's admin disconnects the user on B";
  const gone = until(admin, "socket_disconnected", (nsp, id) => nsp === "/" && id === userId);
  const userDisconnect = once(user, "disconnect");
  admin.emit("_disconnect", "/", false, userId);
  const [userReason] = await userDisconnect;
  await gone;
  admin.close();
  finish({ userId, sockets, servers: [...seen].sort(), receivedArgs, userReason });
}

// production: the admin (no auth) gets its config and stats, and no
// socket or event: a user connects and sends an event; the stats that
// count its connection arrive, and nothing about it came before them.
async function production() {
  h.step = "admin connects";
  const admin = io(`${url}/admin`, { reconnection: false, forceNew: true });
  const config = once(admin, "config");
  const told = [];
  for (const ev of ["all_sockets", "socket_connected", "event_received", "event_sent", "room_joined"]) {
    admin.on(ev, () => told.push(ev));
  }
  // The aggregated counts, summed over every server_stats from the start.
  const aggregated = {};
  admin.on("server_stats", (s) => {
    for (const e of s.aggregatedEvents) aggregated[e.type] = (aggregated[e.type] || 0) + e.count;
  });
  await once(admin, "connect");
  const [cfg] = await config;

  h.step = "a user connects and sends an event";
  const user = io(url, { reconnection: false, forceNew: true, transports: ["websocket"] });
  const inLobby = once(user, "joined");
  await once(user, "connect");
  await inLobby;
  user.emit("hello");
  await once(user, "welcome");

  h.step = "stats count it";
  // The user's connection, not the admin's own: a tick between the
  // admin's Engine.IO open and its joining /admin reports it to no one.
  const [stats] = await until(admin, "server_stats", (s) => {
    return s.namespaces.some((n) => n.name === "/" && n.socketsCount === 1) && aggregated.rawConnection >= 1;
  });
  user.close();
  admin.close();
  finish({ config: cfg, told, stats, aggregated });
}

const scenarios = { protocol, cluster, production };
if (!scenarios[scenario]) fail(`unknown scenario ${scenario}`);
scenarios[scenario]().catch((err) => fail(`at step ${h.step}: ${err && err.stack ? err.stack : err}`));
