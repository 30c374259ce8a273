// The demo chat's page: plain JavaScript on the official socket.io-client
// (loaded from /socket.io/socket.io.js, which defines the global io).
//
// Protocol (namespace "/", see ../demo.go):
//   connect with auth {username}; refused with "username required" or
//   "username taken" as the connect_error message.
//   server → welcome {username, channels, channel}
//   server → users [{username, channel}]        everyone, on any change
//   server → message {from, text, channel, time} others in the channel
//   server → typing {username, typing}          others in the channel
//   server → notice {text}                      joins and leaves
//   client → message (text, ack {time, delivered} | {error})
//   client → typing (bool)
//   client → switch (channel, ack {channel} | {error})
//
// Every piece of text that comes from a user or the server is inserted with
// textContent, never as HTML.
"use strict";

(function () {
  const TYPING_IDLE_MS = 2000; // stop "is typing" after this long without a key
  const TYPING_STALE_MS = 6000; // forget someone else's typing we never saw end
  const ACK_TIMEOUT_MS = 10000;
  const GROUP_MS = 2 * 60 * 1000; // consecutive messages from one sender within this share a header

  const $ = (id) => document.getElementById(id);
  const el = {
    loginView: $("login-view"),
    login: $("login"),
    username: $("username"),
    loginError: $("login-error"),
    join: $("join"),
    chatView: $("chat-view"),
    me: $("me"),
    status: $("status"),
    channels: $("channels"),
    users: $("users"),
    userCount: $("user-count"),
    roomTitle: $("room-title"),
    roomMeta: $("room-meta"),
    roomError: $("room-error"),
    logs: $("logs"),
    typing: $("typing"),
    composer: $("composer"),
    text: $("text"),
  };

  const state = {
    username: "", // accepted by the server
    channels: [],
    channel: "", // the channel this page shows and the server has us in
    users: [],
    logs: new Map(), // channel → its message list element
    typers: new Map(), // username → timer that forgets them
    typingSent: false,
    typingIdle: null,
    connectedOnce: false, // a connect after this one is a reconnect
    statusTimer: null,
  };

  // One socket for the page's life: a refused name leaves it inactive, and
  // the next try sets auth and connects it again. The Manager reconnects
  // after a lost connection and sends the same auth.
  // closeOnBeforeunload: a closing tab tells the server at once, rather
  // than leaving it to notice at the next ping timeout.
  const socket = io({ autoConnect: false, closeOnBeforeunload: true });

  // The transport in use, on <body data-transport>: polling, then
  // websocket once the upgrade is done (shown to tests and to curious eyes).
  socket.io.on("open", () => {
    const engine = socket.io.engine;
    document.body.dataset.transport = engine.transport.name;
    engine.on("upgrade", (t) => { document.body.dataset.transport = t.name; });
  });

  // ---- connection status ----

  function setStatus(kind, text) {
    clearTimeout(state.statusTimer);
    el.status.dataset.state = kind;
    el.status.textContent = text;
    if (kind === "reconnected") {
      state.statusTimer = setTimeout(() => setStatus("connected", "connected"), 4000);
    }
  }

  socket.on("connect", () => {
    if (state.connectedOnce) {
      setStatus("reconnected", "reconnected");
    } else {
      setStatus("connected", "connected");
    }
    state.connectedOnce = true;
  });

  socket.on("connect_error", (err) => {
    if (socket.active) {
      // Transport trouble: the Manager retries by itself.
      setStatus("reconnecting", state.connectedOnce ? "reconnecting…" : "connecting…");
      return;
    }
    // The server refused the name (connect middleware).
    showLogin(err.message || "could not join");
  });

  socket.on("disconnect", (reason) => {
    stopTyping();
    clearTypers();
    if (socket.active) {
      setStatus("reconnecting", "reconnecting…");
      systemLine(state.channel, "Connection lost (" + reason + "), reconnecting…");
      return;
    }
    // The server or this page ended the session: start over.
    showLogin(reason === "io server disconnect" ? "disconnected by the server" : "");
  });

  socket.io.on("reconnect_attempt", (n) => {
    setStatus("reconnecting", "reconnecting… (attempt " + n + ")");
  });

  socket.io.on("reconnect", () => {
    setStatus("reconnected", "reconnected");
  });

  // ---- joining ----

  function showLogin(error) {
    setStatus("offline", "not connected");
    el.me.hidden = true;
    el.chatView.hidden = true;
    el.loginView.hidden = false;
    el.join.disabled = false;
    el.loginError.textContent = error || "";
    el.loginError.hidden = !error;
    el.username.focus();
    el.username.select();
  }

  el.login.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const name = el.username.value.trim();
    if (name === "") {
      el.loginError.textContent = "Please enter a username.";
      el.loginError.hidden = false;
      return;
    }
    el.loginError.hidden = true;
    el.join.disabled = true;
    setStatus("connecting", "connecting…");
    socket.auth = { username: name };
    socket.connect();
  });

  socket.on("welcome", (w) => {
    const first = state.username === "";
    state.username = w.username;
    state.channels = Array.isArray(w.channels) ? w.channels : [];
    el.me.textContent = w.username;
    el.me.hidden = false;
    el.loginView.hidden = true;
    el.chatView.hidden = false;
    renderChannels();

    // After a reconnect the server puts everyone back in its default
    // channel: go back to the one this page was showing.
    const wanted = state.channel;
    showChannel(w.channel);
    if (!first) {
      systemLine(w.channel, "Reconnected.");
    }
    if (!first && wanted && wanted !== w.channel && state.channels.includes(wanted)) {
      switchChannel(wanted);
    }
    el.text.focus();
  });

  // ---- channels ----

  function renderChannels() {
    const counts = new Map();
    for (const u of state.users) counts.set(u.channel, (counts.get(u.channel) || 0) + 1);
    el.channels.replaceChildren(
      ...state.channels.map((ch) => {
        const li = document.createElement("li");
        const b = document.createElement("button");
        b.type = "button";
        b.className = "channel";
        b.dataset.channel = ch;
        if (ch === state.channel) b.setAttribute("aria-current", "true");
        const name = document.createElement("span");
        name.className = "channel-name";
        name.textContent = "# " + ch;
        const n = document.createElement("span");
        n.className = "count";
        n.textContent = counts.get(ch) ? String(counts.get(ch)) : "";
        b.append(name, n);
        b.addEventListener("click", () => switchChannel(ch));
        li.append(b);
        return li;
      }),
    );
  }

  function logFor(channel) {
    let log = state.logs.get(channel);
    if (!log) {
      log = document.createElement("ol");
      log.className = "log";
      log.dataset.channel = channel;
      log.dataset.empty = "No messages in #" + channel + " yet. Say hello!";
      log.hidden = true;
      el.logs.append(log);
      state.logs.set(channel, log);
    }
    return log;
  }

  // showChannel makes the page show channel: the server already has us in it.
  function showChannel(channel) {
    if (state.channel !== channel) clearTypers();
    state.channel = channel;
    for (const [ch, log] of state.logs) log.hidden = ch !== channel;
    logFor(channel).hidden = false;
    el.roomTitle.textContent = "#" + channel;
    el.text.placeholder = "Message #" + channel;
    el.roomError.hidden = true;
    renderChannels();
    renderUsers();
    scrollToEnd(true);
  }

  function switchChannel(channel) {
    if (!socket.connected || channel === state.channel) return;
    stopTyping();
    socket.timeout(ACK_TIMEOUT_MS).emit("switch", channel, (err, res) => {
      if (err || !res || res.error) {
        el.roomError.textContent = "Could not switch to #" + channel + ": " + (err ? "no answer" : (res && res.error) || "no answer");
        el.roomError.hidden = false;
        return;
      }
      showChannel(res.channel);
      el.text.focus();
    });
  }

  // ---- users ----

  socket.on("users", (list) => {
    state.users = Array.isArray(list) ? list : [];
    // Someone who left the channel is no longer typing in it.
    for (const name of [...state.typers.keys()]) {
      if (!state.users.some((u) => u.username === name && u.channel === state.channel)) forgetTyper(name);
    }
    renderUsers();
    renderChannels();
  });

  function renderUsers() {
    const here = state.users.filter((u) => u.channel === state.channel);
    el.roomMeta.textContent =
      here.length === 0 ? "" : here.length === 1 && here[0].username === state.username ? "just you here" : here.map((u) => u.username).join(", ");
    el.roomMeta.title = here.length + (here.length === 1 ? " person" : " people") + " in #" + state.channel;
    el.userCount.textContent = state.users.length ? String(state.users.length) : "";
    el.users.replaceChildren(
      ...state.users.map((u) => {
        const li = document.createElement("li");
        li.className = "user";
        li.dataset.username = u.username;
        li.dataset.channel = u.channel;
        if (u.username === state.username) li.classList.add("self");
        if (u.channel === state.channel) li.classList.add("here");
        li.append(avatar(u.username));
        const name = document.createElement("span");
        name.className = "user-name";
        name.textContent = u.username;
        if (u.username === state.username) {
          const you = document.createElement("span");
          you.className = "you";
          you.textContent = "(you)";
          name.append(" ", you);
        }
        const ch = document.createElement("span");
        ch.className = "user-channel";
        ch.textContent = "#" + u.channel;
        li.append(name, ch);
        return li;
      }),
    );
  }

  // A coloured circle with the name's first letter; the hue follows the name.
  function avatar(name) {
    const a = document.createElement("span");
    a.className = "avatar";
    a.setAttribute("aria-hidden", "true");
    a.textContent = (Array.from(name)[0] || "?").toUpperCase();
    let h = 0;
    for (const c of name) h = (h * 31 + c.codePointAt(0)) % 360;
    a.style.backgroundColor = "hsl(" + h + " 55% 45%)";
    return a;
  }

  // ---- messages ----

  function formatTime(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function nearEnd() {
    return el.logs.scrollHeight - el.logs.scrollTop - el.logs.clientHeight < 80;
  }

  function scrollToEnd(force) {
    if (force || nearEnd()) el.logs.scrollTop = el.logs.scrollHeight;
  }

  // addMessage appends a message and returns its element.
  function addMessage(channel, m) {
    const log = logFor(channel);
    const stick = channel !== state.channel || nearEnd();
    const last = log.lastElementChild;
    const li = document.createElement("li");
    li.className = "msg";
    li.dataset.from = m.from;
    li.dataset.time = String(m.time);
    if (m.own) li.classList.add("own");
    const grouped =
      last && last.classList.contains("msg") && last.dataset.from === m.from && m.time - Number(last.dataset.time) < GROUP_MS;
    if (grouped) {
      li.classList.add("cont");
    } else {
      const head = document.createElement("div");
      head.className = "msg-head";
      const from = document.createElement("span");
      from.className = "from";
      from.textContent = m.own ? m.from + " (you)" : m.from;
      const time = document.createElement("time");
      time.dateTime = new Date(m.time).toISOString();
      time.textContent = formatTime(m.time);
      head.append(avatar(m.from), from, time);
      li.append(head);
    }
    const body = document.createElement("div");
    body.className = "msg-body";
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = m.text;
    body.append(text);
    if (m.own) {
      const tick = document.createElement("span");
      tick.className = "tick";
      tick.textContent = "…";
      tick.title = "sending";
      body.append(tick);
      li.dataset.state = "pending";
    }
    li.append(body);
    log.append(li);
    if (stick) scrollToEnd(true);
    return li;
  }

  function systemLine(channel, text) {
    if (!channel) return;
    const li = document.createElement("li");
    li.className = "notice";
    li.textContent = text;
    const stick = nearEnd();
    logFor(channel).append(li);
    if (stick) scrollToEnd(true);
  }

  socket.on("message", (m) => {
    if (!m || typeof m.text !== "string") return;
    forgetTyper(m.from);
    addMessage(m.channel || state.channel, { from: String(m.from), text: m.text, time: Number(m.time) || Date.now() });
  });

  socket.on("notice", (n) => {
    if (n && typeof n.text === "string") systemLine(state.channel, n.text);
  });

  el.composer.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = el.text.value.trim();
    if (text === "" || !state.username) return;
    el.text.value = "";
    stopTyping();
    const li = addMessage(state.channel, { from: state.username, text, time: Date.now(), own: true });
    const tick = li.querySelector(".tick");
    socket.timeout(ACK_TIMEOUT_MS).emit("message", text, (err, res) => {
      if (err || !res || res.error) {
        li.dataset.state = "failed";
        tick.textContent = "!";
        tick.title = "not delivered: " + (err ? "no answer from the server" : (res && res.error) || "no answer");
        return;
      }
      li.dataset.state = "delivered";
      tick.textContent = "✓";
      const n = Number(res.delivered) || 0;
      tick.title = "delivered to " + n + (n === 1 ? " person" : " people");
    });
    scrollToEnd(true);
  });

  // ---- typing ----

  function stopTyping() {
    clearTimeout(state.typingIdle);
    if (state.typingSent && socket.connected) socket.emit("typing", false);
    state.typingSent = false;
  }

  el.text.addEventListener("input", () => {
    if (!socket.connected) return;
    if (el.text.value.trim() === "") {
      stopTyping();
      return;
    }
    if (!state.typingSent) {
      state.typingSent = true;
      socket.emit("typing", true);
    }
    clearTimeout(state.typingIdle);
    state.typingIdle = setTimeout(stopTyping, TYPING_IDLE_MS);
  });

  el.text.addEventListener("blur", stopTyping);

  socket.on("typing", (t) => {
    if (!t || typeof t.username !== "string" || t.username === state.username) return;
    if (t.typing) {
      clearTimeout(state.typers.get(t.username));
      state.typers.set(
        t.username,
        setTimeout(() => forgetTyper(t.username), TYPING_STALE_MS),
      );
      renderTyping();
    } else {
      forgetTyper(t.username);
    }
  });

  function forgetTyper(name) {
    if (!state.typers.has(name)) return;
    clearTimeout(state.typers.get(name));
    state.typers.delete(name);
    renderTyping();
  }

  function clearTypers() {
    for (const timer of state.typers.values()) clearTimeout(timer);
    state.typers.clear();
    renderTyping();
  }

  function renderTyping() {
    const names = [...state.typers.keys()].sort();
    let text = "";
    if (names.length === 1) text = names[0] + " is typing…";
    else if (names.length === 2) text = names[0] + " and " + names[1] + " are typing…";
    else if (names.length > 2) text = "Several people are typing…";
    el.typing.textContent = text;
    el.typing.classList.toggle("active", names.length > 0);
  }
})();
