"use strict";
// Plays the lobby's page (web/) in headless Chromium with playwright-core,
// run by e2e_test.go against a lobby with MATCH_SIZE=2:
//
//   node browser.js <server URL> <screenshot.png>
//
// Two pages join as "ann" and "bob", are matched, and see the ticks run;
// ann presses the right arrow three times and both pages see her dot move
// three cells. Prints one JSON line; on failure, the step and the reason on
// stderr, exit 1. Every wait is a Playwright wait with a deadline.

const { chromium } = require("playwright-core");

const [url, screenshotPath] = process.argv.slice(2);
const waitMs = 10000;
let step = "start";
let browser = null;

async function fail(msg) {
  process.stderr.write(`browser.js: at step "${step}": ${msg}\n`);
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
}
setTimeout(() => fail("timed out after 20 s"), 20000).unref();

// the player's line in a page's list: "ann (x, y)".
const position = (page, name) =>
  page.$$eval("#players li", (lis, name) => {
    const li = lis.find((l) => l.textContent.startsWith(name + " ("));
    const m = li && li.textContent.match(/\((\d+), (\d+)\)/);
    return m ? [Number(m[1]), Number(m[2])] : null;
  }, name);

(async () => {
  step = "launch";
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const pages = {};
  for (const name of ["ann", "bob"]) {
    step = `open ${name}`;
    const page = await browser.newPage();
    page.on("pageerror", (err) => fail(`${name}: page error ${err.message}`));
    await page.goto(url, { timeout: waitMs });
    await page.fill("#name", name);
    await page.click("button[type=submit]");
    pages[name] = page;
  }
  step = "matched";
  for (const page of Object.values(pages)) {
    await page.waitForFunction(() => /^\d+$/.test(document.getElementById("tick").textContent), null, { timeout: waitMs });
    await page.waitForFunction(() => document.querySelectorAll("#players li").length === 2, null, { timeout: waitMs });
  }
  step = "move";
  const before = await position(pages.ann, "ann");
  if (!before) return fail("ann is not in her own list");
  for (let i = 0; i < 3; i++) await pages.ann.keyboard.press("ArrowRight");
  const want = `ann (${before[0] + 3}, ${before[1]})`;
  for (const page of Object.values(pages)) {
    await page.waitForFunction((want) => [...document.querySelectorAll("#players li")].some((li) => li.textContent === want), want, { timeout: waitMs });
  }
  step = "screenshot";
  await pages.ann.screenshot({ path: screenshotPath });
  const status = await pages.ann.textContent("#status");
  await browser.close();
  process.stdout.write(JSON.stringify({ ok: true, before, after: [before[0] + 3, before[1]], status }) + "\n");
})().catch((err) => fail(err.stack || String(err)));
