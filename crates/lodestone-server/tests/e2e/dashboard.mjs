// End-to-end test of the `lodestone serve` dashboard in headless Chromium.
//
// Starts `$LODESTONE_BIN serve --addr 127.0.0.1:0 --store <fresh dir>`, reads the URL it
// prints, then with playwright-core driving Debian's /usr/bin/chromium: loads the page,
// runs the baseline and sees its charts, shows a located validation error, compares two
// scenarios, opens the sources, news and history tabs. Screenshots go to ./artifacts/.
// Exits 0 on success, 1 on failure; everything is bounded in time (about 2 minutes).

import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../../..");
const BIN = process.env.LODESTONE_BIN || path.join(root, "target/debug/lodestone");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(here, "artifacts");
const BUDGET_MS = 150_000;
const JOB_MS = 90_000;

const started = Date.now();
const log = (...a) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);
let server = null;
let browser = null;
let store = null;

async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
  if (server && server.exitCode === null) {
    server.kill("SIGINT");
    await new Promise((r) => {
      const t = setTimeout(() => { server.kill("SIGKILL"); r(); }, 5000);
      server.once("exit", () => { clearTimeout(t); r(); });
    });
  }
  if (store) rmSync(store, { recursive: true, force: true });
}

const watchdog = setTimeout(async () => {
  console.error(`e2e: FAILED: over the budget of ${BUDGET_MS / 1000} s`);
  await cleanup();
  process.exit(1);
}, BUDGET_MS);

function check(cond, what) {
  if (!cond) throw new Error("check failed: " + what);
  log("ok:", what);
}

function startServer() {
  store = mkdtempSync(path.join(tmpdir(), "lodestone-e2e-"));
  const env = { ...process.env };
  delete env.LODESTONE_TOKEN;
  delete env.LODESTONE_STORE;
  server = spawn(BIN, ["serve", "--addr", "127.0.0.1:0", "--store", store], { env, stdio: ["ignore", "pipe", "pipe"] });
  server.stderr.on("data", (d) => process.stderr.write("[server] " + d));
  return new Promise((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => reject(new Error("the server printed no URL within 30 s")), 30_000);
    server.on("error", (e) => { clearTimeout(t); reject(new Error(`cannot start ${BIN}: ${e.message}`)); });
    server.on("exit", (code) => { clearTimeout(t); reject(new Error(`the server exited with ${code}`)); });
    server.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/Lodestone dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
  });
}

async function main() {
  mkdirSync(ARTIFACTS, { recursive: true });
  const url = await startServer();
  log("server at", url);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.setDefaultTimeout(20_000);
  const problems = [];
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  // the 422 of the deliberate validation error is logged by Chromium as a failed load
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 422/.test(m.text())) problems.push("console error: " + m.text());
  });
  // only the server itself may be contacted
  await page.route("**/*", (route) => (route.request().url().startsWith(url) ? route.continue() : route.abort()));

  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  const options = await page.$$eval("#scenario-select option", (os) => os.map((o) => o.value));
  check(options.includes("baseline") && options.length >= 2, `the scenario picker lists the shipped scenarios (${options.length})`);
  if ((await page.inputValue("#scenario-select")) !== "baseline") await page.selectOption("#scenario-select", "baseline");
  await page.waitForFunction(() => document.querySelector("#scenario-text").value.includes("extends = \"frozen-supply\""));
  await page.waitForFunction(() => document.querySelector("#editor-state").textContent === "shipped scenario");

  // a located validation error, shown next to the editor
  const original = await page.inputValue("#scenario-text");
  await page.fill("#scenario-text", original + '\n[[events]]\ntype = "disruption"\nfacility = "no_such_mine"\nstart = "2026-01"\nend = "2026-06"\nloss = 1.0\n');
  await page.click("#validate-button");
  await page.waitForSelector("#run-message .msg.error li");
  const diag = await page.textContent("#run-message");
  check(/no_such_mine/.test(diag) && /E008/.test(diag) && /:\d+/.test(diag), "validation shows a located E008 for an unknown facility");
  // a valid scenario with an event after the horizon: valid, with a located warning
  await page.fill("#scenario-text", original + '\n[[events]]\ntype = "disruption"\nfacility = "mt_weld"\nstart = "2049-01"\nend = "2049-06"\nloss = 1.0\n');
  await page.click("#validate-button");
  await page.waitForSelector("#run-message .msg.warn li");
  const warned = await page.textContent("#run-message");
  check(/Valid/.test(warned) && /E011/.test(warned) && /after the horizon/.test(warned), "validation shows a located E011 warning for an event after the horizon");
  await page.selectOption("#scenario-select", "china-2025-04-licensing");
  await page.waitForFunction(() => document.querySelector("#scenario-text").value.includes("china"));
  await page.selectOption("#scenario-select", "baseline");
  await page.waitForFunction((t) => document.querySelector("#scenario-text").value === t, original);

  // run the baseline; watch the progress; see the charts
  await page.click("#run-button");
  await page.waitForSelector("#job-progress:not([hidden])");
  await page.waitForSelector("#chart-shares svg .series", { timeout: JOB_MS });
  const shares = await page.$$eval("#chart-shares svg .series", (s) => s.map((x) => x.dataset.name));
  check(shares.length >= 3 && shares.includes("CN"), `share chart draws ${shares.length} countries (${shares.join(", ")})`);
  const prices = await page.$$eval("#chart-prices svg .series", (s) => s.length);
  check(prices >= 1, `price chart draws ${prices} markets`);
  const shortfall = await page.$$eval("#chart-shortfall svg .series, #chart-shortfall .empty", (s) => s.length);
  check(shortfall >= 1, "shortfall chart drawn");
  const facts = await page.textContent("#run-facts");
  check(/baseline/.test(facts) && /balanced/.test(facts), "run facts name the scenario and its mass balance");
  await page.selectOption("#shares-stage", "separation");
  await page.waitForSelector('#chart-shares svg .series[data-name="CN"]');
  await page.screenshot({ path: path.join(ARTIFACTS, "run.png"), fullPage: true });

  // compare two scenarios
  await page.click('#tabs button[data-tab="compare"]');
  await page.selectOption("#compare-a", "baseline");
  await page.selectOption("#compare-b", "china-2025-04-licensing");
  await page.click("#compare-button");
  await page.waitForSelector("#chart-compare svg .series", { timeout: JOB_MS });
  const lines = await page.$$eval("#chart-compare svg .series", (s) => s.map((x) => x.dataset.name));
  check(lines.length === 2 && lines[0].includes("baseline") && lines[1].includes("china-2025-04-licensing"), `compare chart draws A and B (${lines.join(" | ")})`);
  const rows = await page.$$eval("#compare-table tr", (r) => r.length);
  check(rows > 8, `compare table has ${rows} rows`);
  await page.screenshot({ path: path.join(ARTIFACTS, "compare.png"), fullPage: true });

  // sources, news, history
  await page.click('#tabs button[data-tab="sources"]');
  await page.waitForSelector("#sources-table tr:nth-child(5)");
  const nsrc = await page.$$eval("#sources-table tr", (r) => r.length - 1);
  check(nsrc >= 10, `sources table lists ${nsrc} sources`);
  await page.click('#tabs button[data-tab="news"]');
  await page.waitForFunction(() => /empty/.test(document.querySelector("#news-status").textContent));
  check(true, "the news tab says the fresh store is empty");
  await page.click('#tabs button[data-tab="history"]');
  await page.waitForSelector("#runs-table button[data-run]");
  const runs = await page.$$eval("#runs-table button[data-run]", (b) => b.length);
  check(runs >= 2, `history lists ${runs} finished runs`);

  check(problems.length === 0, "no page or console errors" + (problems.length ? ": " + problems.join("; ") : ""));
}

try {
  await main();
  log("PASSED");
  await cleanup();
  clearTimeout(watchdog);
  process.exit(0);
} catch (e) {
  console.error("e2e: FAILED:", e && e.stack ? e.stack : e);
  try {
    const pages = browser ? browser.contexts().flatMap((c) => c.pages()) : [];
    if (pages[0]) await pages[0].screenshot({ path: path.join(ARTIFACTS, "failure.png"), fullPage: true });
  } catch (_) { /* best effort */ }
  await cleanup();
  clearTimeout(watchdog);
  process.exit(1);
}
