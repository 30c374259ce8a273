"use strict";
// Drives the STOCK Socket.IO admin UI (npm @socket.io/admin-ui, ui/dist,
// served by Actorio at /admin/) in headless Chromium with playwright-core,
// against an instrumented Actorio server (see ../../admin_ui_browser_test.go):
//
//   node admin_browser.js <server URL> <username> <password> <screenshot.png>
//
// Official socket.io-client sockets from this Node process play the
// application's clients: one connected before the login, one after. The
// server puts each in room "lobby". The UI logs in through its own form
// (a wrong password first), lists the live client, its room and the event
// it sends, then disconnects it with its button; the client must see
// "io server disconnect". It prints one JSON line per step and a result,
// exits 1 with the step on failure. Every wait has a deadline.

const fs = require("fs");
const { chromium } = require("playwright-core");
const { io } = require("socket.io-client");
const { harness } = require("./harness");

const [url, username, password, screenshotPath] = process.argv.slice(2);
const h = harness("admin_browser.js");
const { emit, finish } = h;
const waitMs = 10000;

// As browser_chat.js: the flags Chromium needs on this machine; the
// background-networking ones keep it from calling out of a closed network.
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

let browser = null;
let page = null;
const clients = [];

async function fail(msg) {
  process.stderr.write(`admin_browser.js: at step "${h.step}": ${msg}\n`);
  if (process.env.ADMIN_FAIL_SHOT && page) await page.screenshot({ path: process.env.ADMIN_FAIL_SHOT }).catch(() => {});
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
}

function once(socket, event) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${waitMs}ms`)), waitMs);
    socket.once(event, (...args) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

// connectClient connects an official client to "/" and waits until the
// server has put it in its room ("joined").
async function connectClient() {
  const s = io(url, { reconnection: false, forceNew: true });
  clients.push(s);
  const joined = once(s, "joined");
  await once(s, "connect");
  await joined;
  return s;
}

// socketRow is id's row in the socket list (the table whose header has
// "IP address"), the id in its first cell. A view fading out (the events
// table, a socket's page) may still show the id elsewhere.
function socketRow(page, id) {
  return page
    .locator(".v-data-table", { has: page.locator("th", { hasText: "IP address" }) })
    .locator("tbody tr")
    .filter({ has: page.locator("td:first-child", { hasText: new RegExp(`^\\s*${id}\\s*$`) }) });
}

// route shows a view of the UI without reloading it (its router is in
// hash mode), so the UI keeps its connection.
async function route(page, hash) {
  await page.evaluate((h) => (window.location.hash = h), hash);
  await settled(page);
}

// settled waits until no Vue transition runs (a view fading in or out).
async function settled(page) {
  await page.waitForFunction(() => document.querySelectorAll('[class*="-enter-active"], [class*="-leave-active"]').length === 0);
}

// listed says whether the socket list shows id.
async function listed(page, id) {
  return (await socketRow(page, id).count()) > 0;
}

async function main() {
  h.step = "a client connects before the UI";
  const early = await connectClient();

  h.step = "launch chromium";
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumFlags });
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
  // index.html links Google's fonts and the icon font from a CDN: no
  // network here, so they fail at once instead of timing out.
  await context.route(/^https?:\/\/(fonts\.googleapis\.com|fonts\.gstatic\.com|cdn\.jsdelivr\.net)\//, (r) => r.abort());
  page = await context.newPage();
  page.setDefaultTimeout(waitMs);
  const pageErrors = [];
  page.on("pageerror", (err) => pageErrors.push(err.message));

  h.step = "open the UI";
  await page.goto(`${url}/admin/`);
  const title = await page.title();
  if (title !== "Socket.IO Admin UI") await fail(`page title ${JSON.stringify(title)}, want "Socket.IO Admin UI"`);

  h.step = "log in with a wrong password";
  await page.getByLabel("Server URL").fill(url);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password + "-wrong");
  await page.getByRole("button", { name: "Connect" }).click();
  await page.getByText(/invalid credentials/i).waitFor();

  h.step = "log in";
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Connect" }).click();
  await page.getByLabel("Server URL").waitFor({ state: "hidden" });

  h.step = "the early client is listed";
  await route(page, "#/sockets/");
  await socketRow(page, early.id).waitFor();

  h.step = "a client connects while the UI watches";
  const live = await connectClient();
  const liveId = live.id;
  emit({ event: "client-connected", id: liveId });
  await socketRow(page, liveId).waitFor();

  h.step = "its room";
  await route(page, "#/rooms/");
  await page.locator("tr", { hasText: "lobby" }).waitFor();
  const lobbySockets = (await page.locator("tr", { hasText: "lobby" }).innerText()).replace(/\s+/g, " ");

  h.step = "an event it sends";
  live.emit("hello", { text: "hi from node" });
  await once(live, "welcome");
  await route(page, "#/events/");
  await page.locator("tr", { hasText: "hello" }).first().waitFor();
  const eventRow = (await page.locator("tr", { hasText: "hello" }).first().innerText()).replace(/\s+/g, " ");

  h.step = "screenshot the socket list";
  await route(page, "#/sockets/");
  const row = socketRow(page, liveId);
  await row.waitFor();
  await settled(page);
  await page.screenshot({ path: screenshotPath });
  const png = fs.readFileSync(screenshotPath);
  if (png.length < 1000 || png.toString("latin1", 1, 4) !== "PNG") await fail(`${screenshotPath} is not a PNG screenshot`);

  h.step = "disconnect it from the UI";
  const reason = once(live, "disconnect");
  await row.getByRole("button").click();
  const [clientReason] = await reason;

  h.step = "the list drops it and keeps the early client";
  // The click also opens the socket's page (the row's own click handler):
  // back to the list.
  await route(page, "#/sockets/");
  await socketRow(page, early.id).waitFor();
  await socketRow(page, liveId).waitFor({ state: "detached" });
  if (!early.connected) await fail("the early client was disconnected too");

  if (pageErrors.length > 0) await fail(`errors in the page:\n${pageErrors.join("\n")}`);
  h.step = "close";
  await browser.close();
  browser = null;
  for (const s of clients) s.close();
  finish({ liveId, clientReason, lobbySockets, eventRow, screenshot: screenshotPath, screenshotBytes: png.length });
}

main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
