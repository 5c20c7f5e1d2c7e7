// End-to-end test of the `lodestone serve` dashboard in headless Chromium.
//
// Ingests the news seed page into a fresh store, starts `$LODESTONE_BIN serve --addr
// 127.0.0.1:0 --store <that dir>`, reads the URL it prints, then with playwright-core driving
// Debian's /usr/bin/chromium: the first screen answers the baseline's question (question,
// sentences, key-number cards with names and units, not ids); the charts name countries and
// colour them as the report does; the report and Excel download buttons return an HTML
// report and an xlsx workbook; a located validation error; an ensemble launched from the
// page shows its progress, then fan charts; two scenarios compared; the sources tab; claim
// verdicts in the news tab; the history tab; and every tab and run has a URL that restores
// it in a new page. Screenshots go to ./artifacts/. Exits 0 on success, 1 on failure;
// everything is bounded in time (about 4 minutes on a busy 2-core machine).

import { chromium } from "playwright-core";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../../..");
const BIN = process.env.LODESTONE_BIN || path.join(root, "target/debug/lodestone");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(here, "artifacts");
const SEED_PAGE = path.join(root, "crates/lodestone-news/tests/fixtures/seed_page.txt");
const BUDGET_MS = 240_000;
const JOB_MS = 120_000;

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
  // news with claims the dataset supports and contradicts, for the verdicts of the news tab
  const ingest = spawnSync(BIN, ["news", "ingest", "--store", store, SEED_PAGE], { env, encoding: "utf8", timeout: 60_000 });
  if (ingest.status !== 0) throw new Error(`news ingest exited with ${ingest.status}: ${ingest.stderr}`);
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
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
  // only the server itself may be contacted
  await context.route("**/*", (route) => (route.request().url().startsWith(url) ? route.continue() : route.abort()));
  const problems = [];
  const newPage = async () => {
    const p = await context.newPage();
    p.setDefaultTimeout(20_000);
    p.on("pageerror", (e) => problems.push("page error: " + e.message));
    // the 422 of the deliberate validation error is logged by Chromium as a failed load
    p.on("console", (m) => {
      if (m.type() === "error" && !/status of 422/.test(m.text())) problems.push("console error: " + m.text());
    });
    return p;
  };
  const page = await newPage();

  // ---- the first screen answers the scenario's question
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  const options = await page.$$eval("#scenario-select option", (os) => os.map((o) => o.value));
  check(options.includes("baseline") && options.length >= 2, `the scenario picker lists the shipped scenarios (${options.length})`);
  await page.waitForSelector("#job-progress:not([hidden])");
  check(true, "the first screen runs the baseline with a progress bar");
  await page.waitForSelector("#kpi-cards .kpi", { timeout: JOB_MS });
  const question = await page.textContent("#answer-question");
  check(/Question\./.test(question) && /China/.test(question) && /2035/.test(question), `the first screen states the question: ${question.slice(0, 90)}…`);
  const sentences = await page.$$eval("#answer-sentences li", (l) => l.map((x) => x.textContent));
  check(sentences.length >= 3 && /China mines \d+%/.test(sentences[0]), `the answer is in ${sentences.length} sentences: ${sentences[0].slice(0, 70)}…`);
  const cards = await page.$$eval("#kpi-cards .kpi", (c) => c.map((x) => ({ k: x.querySelector(".k").textContent, v: x.querySelector(".v").textContent })));
  check(cards.length >= 4 && cards.some((c) => c.k === "China's share of magnet output" && /^\d+(\.\d+)?%$/.test(c.v)), `KPI cards with names and units (${cards.map((c) => c.k + " = " + c.v).join("; ")})`);
  check(cards.some((c) => /USD\/kg$/.test(c.v)) && cards.every((c) => !/_|\b(CN|US|EE)\b/.test(c.k)), "KPI cards carry units and no raw ids (no ndpr_oxide, CN, EE)");
  await page.waitForSelector("#chart-shares svg .series", { timeout: JOB_MS });
  const shares = await page.$$eval("#chart-shares svg .series", (s) => s.map((x) => ({ id: x.dataset.id, name: x.dataset.name })));
  check(shares.length >= 3 && shares.some((x) => x.id === "CN" && x.name === "China"), `share chart draws ${shares.length} countries by name (${shares.map((x) => x.name).join(", ")})`);
  const legendNames = await page.$$eval("#chart-shares .legend-item", (l) => l.map((x) => x.textContent));
  check(legendNames.includes("China") && !legendNames.includes("CN"), "the legend names countries, not ids");
  const priceOptions = await page.$$eval("#prices-material option", (os) => os.map((o) => o.textContent));
  check(priceOptions.length >= 1 && priceOptions.every((t) => !t.includes("_")), `the price picker names materials (${priceOptions.slice(0, 3).join(", ")}…)`);
  const prices = await page.$$eval("#chart-prices svg .series", (s) => s.length);
  check(prices >= 1, `price chart draws ${prices} markets`);
  const shortfall = await page.$$eval("#chart-shortfall svg .series, #chart-shortfall .empty", (s) => s.length);
  check(shortfall >= 1, "shortfall chart drawn");
  const facts = await page.textContent("#run-facts");
  check(/mass balance holds/.test(facts) && /run #\d+/.test(facts), "run facts name the mass balance and the run");
  const runId = (await page.textContent("#run-link")).match(/#(\d+)/)[1];
  check(new URL(page.url()).hash === `#/run/${runId}`, `the run has a URL (${new URL(page.url()).hash})`);
  const cnColour = await page.getAttribute('#chart-shares .legend-item[data-id="CN"]', "data-colour");
  await page.selectOption("#shares-stage", "separation");
  await page.waitForSelector('#chart-shares svg .series[data-id="CN"]');
  await page.screenshot({ path: path.join(ARTIFACTS, "run.png"), fullPage: true });

  // ---- the download buttons: the HTML report and an Excel workbook
  const [report] = await Promise.all([page.waitForEvent("download"), page.click("#download-report")]);
  const html = readFileSync(await report.path(), "utf8");
  check(report.suggestedFilename().endsWith(".html") && html.startsWith("<!DOCTYPE html>") && html.includes("Question and answer") && html.includes(cards[0].k.replace(/'/g, "&#39;")),
    `"Download report" gives the HTML report (${report.suggestedFilename()}, ${html.length} bytes) with the same answer`);
  const reportCn = (html.match(/fill="(#[0-9a-fA-F]{6})"[^>]*\/><text[^>]*><title>China<\/title>/) || [])[1];
  check(cnColour && reportCn && cnColour.toLowerCase() === reportCn.toLowerCase(), `China has one colour in dashboard and report (${cnColour} / ${reportCn})`);
  const [xlsx] = await Promise.all([page.waitForEvent("download"), page.click("#download-xlsx")]);
  const book = readFileSync(await xlsx.path());
  check(xlsx.suggestedFilename().endsWith(".xlsx") && book.subarray(0, 2).toString() === "PK" && book.includes("xl/workbook.xml") && book.includes("xl/worksheets/sheet2.xml"),
    `"Download Excel" gives an xlsx workbook (${xlsx.suggestedFilename()}, ${book.length} bytes)`);

  // ---- a located validation error, shown next to the editor
  await page.click("#editor summary");
  if ((await page.inputValue("#scenario-select")) !== "baseline") await page.selectOption("#scenario-select", "baseline");
  await page.waitForFunction(() => document.querySelector("#scenario-text").value.includes("extends = \"frozen-supply\""));
  await page.waitForFunction(() => document.querySelector("#editor-state").textContent === "shipped scenario");
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
  // the first screen follows the picker: a scenario not run yet invites a run
  await page.selectOption("#scenario-select", "china-2025-04-licensing");
  await page.waitForFunction(() => document.querySelector("#scenario-text").value.includes("china"));
  await page.waitForFunction(() => !document.querySelector("#run-empty").hidden && document.querySelector("#answer-body").hidden);
  check(/china-2025-04-licensing.*has not been run/.test(await page.textContent("#run-empty")), "choosing a scenario not run yet shows no stale answer and invites a run");
  await page.selectOption("#scenario-select", "baseline");
  await page.waitForFunction((t) => document.querySelector("#scenario-text").value === t, original);
  await page.waitForSelector("#answer-body:not([hidden]) #kpi-cards .kpi");
  check((await page.textContent("#run-link")).includes(`#${runId}`), "choosing the baseline again shows its stored answer");
  // Run again: the stored result, shown with its progress
  await page.click("#run-button");
  await page.waitForSelector("#job-progress:not([hidden])");
  await page.waitForFunction(() => /stored result/.test(document.querySelector("#job-progress .text").textContent), null, { timeout: JOB_MS });
  check(true, "running the baseline again answers from the store");

  // ---- an ensemble launched from the page: progress, then fan charts (a yearly baseline
  // in the editor, so that its replicates are quick)
  await page.fill("#scenario-text", original + '\n[horizon]\nstart = "2024-01"\nend = "2035-12"\nstep = "year"\n');
  await page.click('#tabs button[data-tab="ensemble"]');
  check(new URL(page.url()).hash === "#/ensemble", "the ensemble tab has a URL");
  await page.selectOption("#ens-scenario", "__editor__");
  await page.fill("#ens-runs", "3");
  await page.click("#ens-button");
  await page.waitForSelector("#ens-progress:not([hidden])");
  await page.waitForSelector("#fans .fan-card svg .band", { timeout: JOB_MS });
  const ensProgress = await page.textContent("#ens-progress .text");
  check(/done/.test(ensProgress) && /3\/3 replicates/.test(ensProgress), `the ensemble's progress counts replicates (${ensProgress.trim()})`);
  const fans = await page.$$eval("#fans .fan-card", (cs) => cs.map((c) => ({ path: c.dataset.path, title: c.querySelector("h2").textContent, band: !!c.querySelector("svg .band"), median: !!c.querySelector("svg .median") })));
  check(fans.length >= 2 && fans.every((f) => f.band && f.median && f.title !== f.path), `fan charts with a band and a median (${fans.map((f) => f.title).join("; ")})`);
  check(fans.some((f) => f.title === "China's share of magnet output"), "fan titles use names");
  const ensHash = new URL(page.url()).hash;
  check(/^#\/ensemble\/\d+$/.test(ensHash), `the ensemble has a URL (${ensHash})`);
  await page.screenshot({ path: path.join(ARTIFACTS, "ensemble.png"), fullPage: true });

  // ---- compare two scenarios
  await page.click('#tabs button[data-tab="compare"]');
  await page.selectOption("#compare-a", "baseline");
  await page.selectOption("#compare-b", "china-2025-04-licensing");
  await page.click("#compare-button");
  await page.waitForSelector("#chart-compare svg .series", { timeout: JOB_MS });
  const lines = await page.$$eval("#chart-compare svg .series", (s) => s.map((x) => x.dataset.name));
  check(lines.length === 2 && lines[0].includes("baseline") && lines[1].includes("china-2025-04-licensing"), `compare chart draws A and B (${lines.join(" | ")})`);
  const rows = await page.$$eval("#compare-table tr", (r) => r.length);
  check(rows > 8, `compare table has ${rows} rows`);
  const metric = await page.$eval("#compare-metric", (s) => s.options[s.selectedIndex].textContent);
  check(!/_/.test(metric) && !/^CN /.test(metric), `the compared metric is named (${metric})`);
  await page.screenshot({ path: path.join(ARTIFACTS, "compare.png"), fullPage: true });
  const compareHash = new URL(page.url()).hash;
  check(/^#\/compare\/\d+-\d+$/.test(compareHash), `the comparison has a URL naming both runs (${compareHash})`);

  // ---- sources, news (claim verdicts), history
  await page.click('#tabs button[data-tab="sources"]');
  await page.waitForSelector("#sources-table tr:nth-child(5)");
  const nsrc = await page.$$eval("#sources-table tr", (r) => r.length - 1);
  check(nsrc >= 10, `sources table lists ${nsrc} sources`);
  await page.click('#tabs button[data-tab="news"]');
  check(new URL(page.url()).hash === "#/news", "the news tab has a URL");
  await page.waitForSelector("#news-claims .verdict");
  const verdicts = await page.$$eval("#news-claims tr[data-verdict]", (r) => r.map((x) => x.dataset.verdict));
  const count = (v) => verdicts.filter((x) => x === v).length;
  check(verdicts.length >= 10 && count("supported") >= 1 && count("contradicted") >= 1, `the news tab shows claim verdicts (${count("supported")} supported, ${count("contradicted")} contradicted, ${count("unverifiable")} unverifiable)`);
  const tol = await page.textContent("#claims-tolerances");
  check(/dates ±\d+ months/.test(tol), "the verdicts state their tolerances");
  await page.screenshot({ path: path.join(ARTIFACTS, "news.png"), fullPage: true });
  await page.click('#tabs button[data-tab="history"]');
  await page.waitForSelector("#runs-table button[data-run]");
  const runs = await page.$$eval("#runs-table button[data-run]", (b) => b.length);
  check(runs >= 2, `history lists ${runs} finished runs`);

  // ---- URLs restore the tab and the run in a new page
  const p2 = await newPage();
  await p2.goto(`${url}#/run/${runId}`);
  await p2.waitForSelector("#kpi-cards .kpi");
  check((await p2.textContent("#run-link")).includes(`#${runId}`) && (await p2.getAttribute('#tabs button[data-tab="run"]', "class")).includes("active"), `#/run/${runId} opens that run's answer`);
  await p2.goto(`${url}${ensHash}`);
  await p2.waitForSelector("#fans .fan-card svg .band");
  check((await p2.getAttribute('#tabs button[data-tab="ensemble"]', "class")).includes("active"), `${ensHash} opens that ensemble's fans`);
  await p2.goto(`${url}${compareHash}`);
  await p2.waitForSelector("#chart-compare svg .series", { timeout: JOB_MS });
  const restored = await p2.$$eval("#chart-compare svg .series", (s) => s.map((x) => x.dataset.name));
  check(restored.join("|") === lines.join("|") && (await p2.getAttribute('#tabs button[data-tab="compare"]', "class")).includes("active"), `${compareHash} reopens that comparison`);
  const p3 = await newPage();
  await p3.goto(`${url}#/news`);
  await p3.waitForSelector("#news-claims .verdict");
  check((await p3.getAttribute('#tabs button[data-tab="news"]', "class")).includes("active"), "#/news opens the news tab");
  await p3.goBack().catch(() => {});

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
