// One player of the lobby: queue, get matched, move with the arrow keys,
// draw each state snapshot. A dropped connection comes back by connection
// state recovery (same socket, the missed snapshots replayed).
"use strict";

const $ = (id) => document.getElementById(id);
const cell = 5; // px per grid cell: 100 cells on a 500px canvas
const keys = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

let socket = null;
let match = null; // the matched payload
let myName = "";
let seq = 0;

function status(text) { $("status").textContent = text; }

function log(text) {
  const li = document.createElement("li");
  li.textContent = new Date().toLocaleTimeString() + " " + text;
  $("log").prepend(li);
}

function queue() {
  socket.emit("queue", (ack) => status(ack.queued ? "waiting for players…" : "queue: " + ack.error));
}

$("join").addEventListener("submit", (e) => {
  e.preventDefault();
  myName = $("name").value.trim();
  if (!myName || socket) return;
  $("name").disabled = true;
  socket = io({ auth: { name: myName } });
  socket.on("connect", () => {
    if (socket.recovered) {
      log("reconnected: recovered, missed ticks replayed");
    } else {
      match = null; // a new socket: a match held the old one
    }
    status(match ? "playing in match " + match.match : "connected");
    if (!match) queue();
  });
  socket.on("connect_error", (err) => status("refused: " + err.message));
  socket.on("disconnect", (reason) => { status("disconnected (" + reason + "), reconnecting…"); log("disconnected: " + reason); });
  socket.on("matched", (m) => {
    match = m;
    $("match").textContent = "match " + m.match + ", " + m.players.length + " players";
    status("playing in match " + m.match);
    log("matched with " + m.players.join(", "));
  });
  socket.on("state", draw);
  socket.on("left", ({ name }) => log(name + " left the match"));
});

document.addEventListener("keydown", (e) => {
  const move = keys[e.key];
  if (!move || !match || !socket.connected) return;
  e.preventDefault();
  socket.emit("input", { seq: ++seq, dx: move[0], dy: move[1] }, (ack) => {
    if (ack.error) log("input " + ack.seq + ": " + ack.error);
  });
});

function draw(state) {
  $("tick").textContent = state.tick;
  const ctx = $("grid").getContext("2d");
  ctx.clearRect(0, 0, 500, 500);
  ctx.font = "11px system-ui, sans-serif";
  const list = $("players");
  list.replaceChildren();
  for (const p of state.players) {
    const mine = p.name === myName;
    ctx.fillStyle = !p.on ? "#b7bcc6" : mine ? "#e0662e" : "#3b6fd8";
    ctx.beginPath();
    ctx.arc(p.x * cell + cell / 2, p.y * cell + cell / 2, mine ? 5 : 4, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillText(p.name, p.x * cell + 8, p.y * cell + 4);

    const li = document.createElement("li");
    li.className = (p.on ? "" : "off ") + (mine ? "me" : "");
    const dot = document.createElement("span");
    dot.className = "dot";
    li.append(dot, `${p.name} (${p.x}, ${p.y})${p.on ? "" : " – dropped"}`);
    list.append(li);
  }
}
