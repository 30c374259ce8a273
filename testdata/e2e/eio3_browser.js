"use strict";
// The Socket.IO 2.x browser bundle (socket.io-client-v2/dist/socket.io.js)
// in headless Chromium, against a server with allowEIO3 (see
// ../../eio3_browser_test.go). A browser has XHR2, so the 2.x client polls
// with binary payloads (application/octet-stream both ways, no "b64"),
// unlike Node's, which has no XHR2 and asks for base64; with forceJSONP it
// polls with JSONP (script tags and form posts).
//
//   node eio3_browser.js <page URL> <mode>...
//
// Modes: xhr (polling), jsonp (polling, forceJSONP), websocket, default,
// websocket-b64 (websocket, forceBase64: binary as "b4..." text frames).
// For each mode, in order, the page connects, gets the server's "hello"
// (with binary), emits "echo" with binary and an ack, answers the server's
// "ask" with binary, and disconnects. Prints {"event":"result","runs":{...}}.

const { chromium } = require("playwright-core");
const { harness } = require("./harness");

const [url, ...modes] = process.argv.slice(2);
const h = harness(`eio3_browser.js ${modes.join(",")}`);

const chromiumFlags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function main() {
  h.step = "launch";
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumFlags });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(8000);
    const errors = [];
    page.on("pageerror", (err) => errors.push(err.message));
    h.step = "page";
    await page.goto(url);
    const runs = {};
    for (const mode of modes) {
      h.step = `run ${mode}`;
      runs[mode] = await page.evaluate(async (mode) => {
        const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
        const plain = (v) => (v instanceof ArrayBuffer ? `arraybuffer:${hex(v)}` : ArrayBuffer.isView(v) ? `view:${hex(v.buffer)}` : v);
        const opts = { reconnection: false, forceNew: true };
        if (mode === "xhr" || mode === "jsonp") opts.transports = ["polling"];
        if (mode === "jsonp") opts.forceJSONP = true;
        if (mode === "websocket" || mode === "websocket-b64") opts.transports = ["websocket"];
        if (mode === "websocket-b64") opts.forceBase64 = true;
        const socket = io(location.origin, opts);
        socket.on("ask", (text, bin, cb) => {
          const out = new Uint8Array(bin.byteLength + 1);
          out.set(new Uint8Array(bin));
          out[bin.byteLength] = 0xff;
          cb(`got ${text}`, out.buffer);
        });
        const hello = new Promise((resolve) => socket.once("hello", (...a) => resolve(a.map(plain))));
        await new Promise((resolve, reject) => {
          socket.once("connect", resolve);
          socket.once("error", (e) => reject(new Error(`error ${JSON.stringify(e)}`)));
          socket.once("connect_error", (e) => reject(new Error(`connect_error ${e}`)));
        });
        const engine = socket.io.engine;
        if (mode === "default" && engine.transport.name !== "websocket") {
          await new Promise((resolve) => engine.once("upgrade", resolve));
        }
        const ack = (...args) => new Promise((resolve) => socket.emit(...args, (...res) => resolve(res.map(plain))));
        const res = { id: socket.id, hello: await hello };
        res.echoed = await ack("echo", "text", new Uint8Array([9, 8, 7]).buffer, { n: 1 });
        res.asked = await ack("ask me");
        res.transport = engine.transport.name;
        res.jsonp = engine.transport.query && engine.transport.query.j !== undefined;
        res.b64 = engine.transport.query && engine.transport.query.b64 !== undefined;
        const reason = new Promise((resolve) => socket.once("disconnect", resolve));
        socket.close();
        res.reason = await reason;
        return res;
      }, mode);
    }
    if (errors.length > 0) h.fail(`page errors: ${errors.join("; ")}`);
    h.finish({ runs });
  } finally {
    await browser.close();
  }
}

main().catch((err) => h.fail(err.stack || String(err)));
