"use strict";
// Drives the demo chat's page (internal/demo/web) in headless Chromium with
// playwright-core (see ../../demo_browser_test.go):
//
//   node browser_chat.js <server URL> <screenshot.png>
//
// Chromium is Debian's /usr/bin/chromium (`npx playwright install` cannot
// download a browser here). Playwright gives it a fresh, empty
// --user-data-dir of its own (it refuses the flag in args) and removes it
// afterwards.
//
// It prints one JSON object per line on stdout and reads lines on stdin, to
// take turns with the Go test around the server restart:
//
//   → {"event":"stop-server"}    ← "stopped"
//   → {"event":"start-server"}   ← "started"   (same address)
//   → {"event":"result",...}     then exits 0
//
// On failure it prints the step and the reason on stderr and exits 1. Every
// wait is a Playwright wait with a deadline: no fixed sleeps.

const fs = require("fs");
const readline = require("readline");
const { chromium } = require("playwright-core");

const [url, screenshotPath] = process.argv.slice(2);
if (!url || !screenshotPath) {
  process.stderr.write("usage: node browser_chat.js <server URL> <screenshot.png>\n");
  process.exit(2);
}
// The Go test sets E2E_TIMEOUT_MS a little under its own deadline.
const scenarioTimeoutMs = Number(process.env.E2E_TIMEOUT_MS) || 30000;
// One wait for something the page should show soon. Reconnecting after the
// restart takes the client's backoff (up to 1.5 s for the first attempt).
const waitMs = 10000;

// The flags Chromium needs on this machine (.library/env/machines/go.md):
// the background-networking ones keep it from calling out of a closed network.
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

let step = "start";
let browser = null;

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n"); // a pipe: synchronous on Linux
}

async function fail(msg) {
  process.stderr.write(`browser_chat.js: at step "${step}": ${msg}\n`);
  process.exitCode = 1;
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
}

setTimeout(() => fail(`timed out after ${scenarioTimeoutMs}ms`), scenarioTimeoutMs).unref();

// ---- lines from the Go test on stdin ----

const lines = [];
const lineWaiters = [];
let stdinClosed = false;
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (lineWaiters.length > 0) lineWaiters.shift()(line);
  else lines.push(line);
}).on("close", () => {
  stdinClosed = true;
  for (const w of lineWaiters.splice(0)) w(null);
});

async function expectLine(want) {
  const got = lines.length > 0 ? lines.shift() : stdinClosed ? null : await new Promise((r) => lineWaiters.push(r));
  if (got !== want) await fail(`stdin: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

// ---- page helpers ----

const pageErrors = [];

async function openPage(context, label) {
  const page = await context.newPage();
  page.setDefaultTimeout(waitMs);
  page.on("pageerror", (err) => pageErrors.push(`${label}: ${err.message}`));
  page.on("console", (m) => {
    // While the server is down, Chromium logs every refused connection. And
    // a long-poll GET still in flight when the client closed its Engine.IO
    // session (the refused page reconnects with a new name) reaches a
    // closed session and gets 400, as from Node's server; Chromium logs any
    // non-2xx response as a console error. Both are protocol, not bugs.
    const expected = /net::ERR_CONNECTION_REFUSED|WebSocket connection to .* failed/;
    const lateGet = label === "third" && /status of 400 \(Bad Request\)/.test(m.text());
    if (m.type() === "error" && !expected.test(m.text()) && !lateGet) {
      pageErrors.push(`${label} console: ${m.text()}`);
    }
  });
  await page.goto(url);
  // Record every connection state the page shows, to check the order later.
  await page.evaluate(() => {
    const status = document.getElementById("status");
    window.__statuses = [status.dataset.state];
    new MutationObserver(() => {
      const s = status.dataset.state;
      if (window.__statuses[window.__statuses.length - 1] !== s) window.__statuses.push(s);
    }).observe(status, { attributes: true, attributeFilter: ["data-state"] });
  });
  return page;
}

async function join(page, name) {
  await page.fill("#username", name);
  await page.click("#join");
}

async function joined(page, name) {
  await page.waitForSelector('#status[data-state="connected"]');
  await page.waitForSelector("#chat-view", { state: "visible" });
  const me = await page.textContent("#me");
  if (me !== name) await fail(`page shows itself as ${JSON.stringify(me)}, want ${JSON.stringify(name)}`);
}

// inUserList waits until page's online list shows name in channel.
async function inUserList(page, name, channel) {
  await page.waitForFunction(
    ([n, c]) => [...document.querySelectorAll("#users li")].some((li) => li.dataset.username === n && li.dataset.channel === c),
    [name, channel],
  );
}

async function userNames(page) {
  return page.$$eval("#users li", (lis) => lis.map((li) => li.dataset.username));
}

// received waits until the visible channel on page shows a message from
// `from` with exactly `text`, and returns how many such messages it has.
async function received(page, from, text) {
  await page.waitForFunction(
    ([f, t]) =>
      [...document.querySelectorAll(".log:not([hidden]) .msg")].some(
        (m) => m.dataset.from === f && m.querySelector(".text").textContent === t,
      ),
    [from, text],
  );
}

async function hasMessage(page, from, text) {
  return page.evaluate(
    ([f, t]) =>
      [...document.querySelectorAll(".log .msg")].some((m) => m.dataset.from === f && m.querySelector(".text").textContent === t),
    [from, text],
  );
}

// send types text into page's composer and sends it with Enter; it waits
// for the delivered tick and returns its tooltip ("delivered to N ...").
async function send(page, from, text) {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
  const sel = ".log:not([hidden]) .msg.own";
  await page.waitForFunction(
    ([s, t]) => [...document.querySelectorAll(s)].some((m) => m.querySelector(".text").textContent === t && m.dataset.state === "delivered"),
    [sel, text],
  );
  return page.evaluate(
    ([s, t]) => [...document.querySelectorAll(s)].filter((m) => m.querySelector(".text").textContent === t).pop().querySelector(".tick").title,
    [sel, text],
  );
}

async function typingShown(page, text) {
  await page.waitForFunction((t) => document.getElementById("typing").textContent === t, text);
}

async function expectDelivered(tick, n, what) {
  const want = `delivered to ${n} ${n === 1 ? "person" : "people"}`;
  if (tick !== want) await fail(`${what}: tick says ${JSON.stringify(tick)}, want ${JSON.stringify(want)}`);
}

async function status(page, ...states) {
  await page.waitForFunction((ss) => ss.includes(document.getElementById("status").dataset.state), states);
}

async function currentChannel(page) {
  return page.$eval('#channels button[aria-current="true"]', (b) => b.dataset.channel);
}

async function main() {
  step = "launch chromium";
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumFlags });
  const newContext = () => browser.newContext({ viewport: { width: 1100, height: 680 }, deviceScaleFactor: 1 });

  step = "alice joins";
  const alice = await openPage(await newContext(), "alice");
  const title = await alice.title();
  if (title !== "Actorio chat") await fail(`page title ${JSON.stringify(title)}, want "Actorio chat"`);
  await join(alice, "alice");
  await joined(alice, "alice");

  step = "bob joins";
  const bob = await openPage(await newContext(), "bob");
  await join(bob, "bob");
  await joined(bob, "bob");

  step = "alice and bob see each other online in #general";
  await inUserList(alice, "bob", "general");
  await inUserList(bob, "alice", "general");
  for (const p of [alice, bob]) {
    if ((await currentChannel(p)) !== "general") await fail("the page does not highlight #general after joining");
  }

  step = "a second alice is refused";
  const third = await openPage(await newContext(), "third");
  await join(third, "alice");
  await third.waitForSelector("#login-error", { state: "visible" });
  const refusal = await third.textContent("#login-error");
  if (refusal !== "username taken") await fail(`login error ${JSON.stringify(refusal)}, want "username taken"`);
  if (await third.isVisible("#chat-view")) await fail("the refused page shows the chat");

  step = "the refused user retries with a name made of markup";
  const markupName = "<b>carol</b>";
  await join(third, markupName);
  await joined(third, markupName);
  await inUserList(alice, markupName, "general");
  const bolds = await alice.$$eval("#users b, #users li", (els) => els.filter((e) => e.tagName === "B").length);
  if (bolds !== 0) await fail("a username was inserted as HTML in the user list");

  step = "the third page leaves";
  // Closed once on WebSocket: a page closed between two long-polls leaves
  // nothing for the server to notice until the ping timeout (as with Node).
  await third.waitForFunction(() => document.body.dataset.transport === "websocket", null, { timeout: 10000 });
  await third.context().close();
  await alice.waitForFunction((n) => ![...document.querySelectorAll("#users li")].some((li) => li.dataset.username === n), markupName);
  const names = await userNames(alice);
  if (JSON.stringify(names) !== JSON.stringify(["alice", "bob"])) await fail(`alice's user list ${JSON.stringify(names)}, want ["alice","bob"]`);

  step = "alice types, bob sees the indicator";
  await alice.click("#text");
  await alice.keyboard.type("hello b");
  await typingShown(bob, "alice is typing…");

  step = "alice sends, bob receives, alice gets the delivered tick";
  await alice.keyboard.type("ob");
  const hello = "hello bob";
  await alice.press("#text", "Enter");
  await received(bob, "alice", hello);
  await alice.waitForSelector('.msg.own[data-state="delivered"]');
  const helloTick = await alice.$eval('.msg.own[data-state="delivered"] .tick', (e) => e.title);
  await expectDelivered(helloTick, 1, "alice's first message");
  await typingShown(bob, ""); // cleared when the message arrives

  step = "bob replies";
  const reply = "hi alice! 👋 how are you?";
  await expectDelivered(await send(bob, "bob", reply), 1, "bob's reply");
  await received(alice, "bob", reply);

  step = "an XSS probe is shown as text";
  const probe = "<img src=x onerror=window.__pwned=1>";
  await expectDelivered(await send(alice, "alice", probe), 1, "the probe");
  await received(bob, "alice", probe);
  // A round trip more, so that an image that was inserted has had time to fail to load.
  await expectDelivered(await send(bob, "bob", "that looks like code"), 1, "bob's answer to the probe");
  await received(alice, "bob", "that looks like code");
  for (const [who, p] of [["alice", alice], ["bob", bob]]) {
    const got = await p.evaluate(() => ({ pwned: typeof window.__pwned, imgs: document.querySelectorAll("#logs img").length }));
    if (got.pwned !== "undefined" || got.imgs !== 0) await fail(`${who}'s page ran or inserted the probe: ${JSON.stringify(got)}`);
  }

  step = "bob switches to #random";
  await bob.click('#channels button[data-channel="random"]');
  await bob.waitForSelector('#channels button[data-channel="random"][aria-current="true"]');
  const roomTitle = await bob.textContent("#room-title");
  if (roomTitle !== "#random") await fail(`bob's room title ${JSON.stringify(roomTitle)}, want "#random"`);
  await inUserList(alice, "bob", "random");
  await inUserList(bob, "bob", "random");

  step = "bob no longer gets #general";
  const notForBob = "bob should not see this";
  await expectDelivered(await send(alice, "alice", notForBob), 0, "a message to #general without bob");
  // Alice's ack left the server after its broadcast; bob's ack below
  // leaves after that, on bob's one connection: a copy meant for bob would
  // have arrived before it.
  await expectDelivered(await send(bob, "bob", "quiet in here"), 0, "a message to #random alone");
  if (await hasMessage(bob, "alice", notForBob)) await fail("bob got a #general message after switching to #random");

  step = "the server stops";
  emit({ event: "stop-server" });
  await expectLine("stopped");
  await status(alice, "reconnecting");
  await status(bob, "reconnecting");

  step = "the server starts again on the same address";
  emit({ event: "start-server" });
  await expectLine("started");
  await status(alice, "reconnected", "connected");
  await status(bob, "reconnected", "connected");
  const statuses = {};
  for (const [who, p] of [["alice", alice], ["bob", bob]]) {
    statuses[who] = await p.evaluate(() => window.__statuses);
    const s = statuses[who];
    const lost = s.indexOf("reconnecting");
    if (lost < 0 || !s.slice(lost).includes("reconnected")) await fail(`${who}'s page went through ${JSON.stringify(s)}, want reconnecting, then reconnected`);
  }

  step = "after the restart bob is back in #random and both are online again";
  await bob.waitForSelector('#channels button[data-channel="random"][aria-current="true"]');
  await inUserList(alice, "bob", "random");
  await inUserList(bob, "alice", "general");

  step = "bob returns to #general and they chat again";
  await bob.click('#channels button[data-channel="general"]');
  await inUserList(alice, "bob", "general");
  const back = "we're back";
  await expectDelivered(await send(alice, "alice", back), 1, "alice's message after the restart");
  await received(bob, "alice", back);
  const backReply = "and nothing was lost on this page";
  await expectDelivered(await send(bob, "bob", backReply), 1, "bob's message after the restart");
  await received(alice, "bob", backReply);
  if (!(await hasMessage(alice, "bob", reply))) await fail("alice's page lost the history from before the restart");

  step = "screenshot alice's page while bob types";
  await bob.click("#text");
  await bob.keyboard.type("see you");
  await typingShown(alice, "bob is typing…");
  await alice.screenshot({ path: screenshotPath });
  const png = fs.readFileSync(screenshotPath);
  if (png.length < 1000 || png.toString("latin1", 1, 4) !== "PNG") await fail(`${screenshotPath} is not a PNG screenshot`);

  if (pageErrors.length > 0) await fail(`errors in the pages:\n${pageErrors.join("\n")}`);

  step = "close the browser";
  await browser.close();
  browser = null;
  emit({ event: "result", statuses, names, refusal, screenshot: screenshotPath, screenshotBytes: png.length });
  process.stdin.destroy(); // let Node exit
}

main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
