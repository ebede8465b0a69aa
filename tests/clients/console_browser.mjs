// Drives the operator's console in headless Chromium over the DevTools
// protocol (Node's own WebSocket: no package, no browser download) and
// prints what the page showed, as JSON, for tests/console.rs to assert on.
// Screenshots go to the output folder.
//
// usage: node --experimental-websocket console_browser.mjs SCENARIO_JSON
// SCENARIO_JSON: {base, token, out, chromium, query, digits, numbers: [...]}

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const scenario = JSON.parse(process.argv[2]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
mkdirSync(scenario.out, { recursive: true });

const profile = mkdtempSync(join(tmpdir(), "console-chromium-"));
const browser = spawn(scenario.chromium, [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  `--user-data-dir=${profile}`, "--remote-debugging-port=0", "--window-size=1280,860",
  "about:blank",
], { stdio: ["ignore", "ignore", "pipe"] });
let browserLog = "";
browser.stderr.on("data", (d) => { browserLog += d; });

// Chromium's helper processes write into the profile until they have gone:
// ask the browser to quit, wait for it (or kill it after 3 s), and only then
// remove the profile, retrying while the last of them let go.
function finish(code) {
  const removeAndExit = () => {
    try { rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }); } catch {}
    process.exit(code);
  };
  if (browser.exitCode !== null || browser.signalCode !== null) return removeAndExit();
  const timer = setTimeout(() => { try { browser.kill("SIGKILL"); } catch {} }, 3000);
  browser.once("exit", () => { clearTimeout(timer); removeAndExit(); });
  try { browser.kill("SIGTERM"); } catch { removeAndExit(); }
}
process.on("uncaughtException", (e) => {
  console.error(`console_browser: ${e.stack || e}\n--- chromium stderr\n${browserLog.slice(-4000)}`);
  finish(1);
});
process.on("unhandledRejection", (e) => {
  console.error(`console_browser: ${e && e.stack || e}\n--- chromium stderr\n${browserLog.slice(-4000)}`);
  finish(1);
});

// The debugging port Chromium chose, from its profile folder.
async function devtoolsPort() {
  const file = join(profile, "DevToolsActivePort");
  for (let i = 0; i < 300; i++) {
    if (existsSync(file)) {
      const port = readFileSync(file, "utf8").split("\n")[0].trim();
      if (port) return port;
    }
    if (browser.exitCode !== null) throw new Error(`chromium exited (${browser.exitCode})`);
    await sleep(100);
  }
  throw new Error("chromium did not open its debugging port");
}

const port = await devtoolsPort();
const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
const page = targets.find((t) => t.type === "page");
const ws = new WebSocket(page.webSocketDebuggerUrl);
await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });

let nextId = 1;
const waiting = new Map();
const consoleErrors = [];
ws.onmessage = (msg) => {
  const data = JSON.parse(msg.data);
  if (data.id && waiting.has(data.id)) {
    const { resolve, reject } = waiting.get(data.id);
    waiting.delete(data.id);
    if (data.error) reject(new Error(JSON.stringify(data.error)));
    else resolve(data.result);
  } else if (data.method === "Runtime.exceptionThrown") {
    consoleErrors.push(data.params.exceptionDetails.text);
  } else if (data.method === "Runtime.consoleAPICalled" && data.params.type === "error") {
    consoleErrors.push(data.params.args.map((a) => a.value ?? a.description).join(" "));
  } else if (data.method === "Log.entryAdded" && data.params.entry.level === "error"
    && data.params.entry.source !== "network") {
    // (A 401 or 404 the page asked for is an answer it handles, not an error.)
    consoleErrors.push(data.params.entry.text);
  }
};
function send(method, params = {}) {
  const id = nextId++;
  ws.send(JSON.stringify({ id, method, params }));
  return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
}

async function evaluate(expression) {
  const r = await send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
  if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.text}`);
  return r.result.value;
}

// An evaluation sent while the page navigates (a click on a link, a form
// sent) fails with "navigated or closed" or loses its context: on a loaded
// machine that is a moment, not an answer, so the wait asks again.
const NAVIGATING = /navigated or closed|Cannot find context|Execution context was destroyed/;

async function waitFor(expression, what) {
  for (let i = 0; i < 200; i++) {
    try {
      if (await evaluate(expression)) return;
    } catch (e) {
      if (!NAVIGATING.test(e.message)) throw e;
    }
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}: ${expression}`);
}

async function typeText(text) {
  for (const ch of text) {
    await send("Input.insertText", { text: ch });
    await sleep(30);
  }
}

async function press(key, code, keyCode) {
  const base = { key, code, windowsVirtualKeyCode: keyCode, nativeVirtualKeyCode: keyCode };
  await send("Input.dispatchKeyEvent", { type: "rawKeyDown", ...base });
  if (key === "Enter") await send("Input.dispatchKeyEvent", { type: "char", text: "\r", ...base });
  await send("Input.dispatchKeyEvent", { type: "keyUp", ...base });
}

async function screenshot(name) {
  const r = await send("Page.captureScreenshot", { format: "png" });
  writeFileSync(join(scenario.out, name), Buffer.from(r.data, "base64"));
}

async function clearField(id) {
  await evaluate(`(() => { const e = document.getElementById(${JSON.stringify(id)}); e.focus(); e.select(); return true; })()`);
  await press("Delete", "Delete", 46);
}

const seen = {};
await send("Page.enable");
await send("Runtime.enable");
await send("Log.enable");
await send("Emulation.setDeviceMetricsOverride", { width: 1280, height: 860, deviceScaleFactor: 1, mobile: false });

// `/` leads to the console.
await send("Page.navigate", { url: `${scenario.base}/` });
await waitFor(`document.readyState === "complete" && !!document.querySelector('a[href="/console"]')`, "the landing page");
await evaluate(`document.querySelector('a[href="/console"]').click(), true`);
await waitFor(`location.pathname === "/console" && document.readyState === "complete" && document.activeElement && document.activeElement.id === "token"`, "the login form, focused");

seen.labelled_inputs = await evaluate(`[...document.querySelectorAll("input")].every((i) => i.labels && i.labels.length > 0)`);
seen.live_regions = await evaluate(`[...document.querySelectorAll("[aria-live], [role=status], [role=alert]")].map((e) => e.id).filter(Boolean)`);

// A wrong token is refused, with a message.
await typeText("not-a-token");
await press("Enter", "Enter", 13);
await waitFor(`document.getElementById("login-error").textContent.length > 0`, "the refusal");
seen.bad_login = await evaluate(`document.getElementById("login-error").textContent`);

// The right one, typed and sent with Enter.
await clearField("token");
await send("Input.insertText", { text: scenario.token });
await press("Enter", "Enter", 13);
await waitFor(`!document.getElementById("view-search").hidden && document.activeElement.id === "q"`, "the search view, focused");
seen.agent = await evaluate(`document.getElementById("agent").textContent`);
seen.token_in_session = await evaluate(`sessionStorage.getItem("contacts-console-token") === ${JSON.stringify(scenario.token)}`);

const readResults = `[...document.querySelectorAll("#results li")].map((li) => ({
  id: Number(li.dataset.id),
  name: li.querySelector(".name").textContent,
  marks: [...li.querySelectorAll("mark")].map((m) => m.textContent),
  rule: li.querySelector(".why").dataset.rule,
  why: li.querySelector(".why").textContent,
}))`;

// Search as you type (no Enter).
await typeText(scenario.query);
await waitFor(`document.querySelectorAll("#results li").length > 0 && document.getElementById("search-status").textContent.includes(${JSON.stringify(scenario.query)})`, "results");
seen.search = { results: await evaluate(readResults), status: await evaluate(`document.getElementById("search-status").textContent`) };
await screenshot("search.png");

// By phone digits.
await clearField("q");
await typeText(scenario.digits);
await waitFor(`document.getElementById("search-status").textContent.includes(${JSON.stringify(scenario.digits)})`, "digit results");
seen.digits = { results: await evaluate(readResults), status: await evaluate(`document.getElementById("search-status").textContent`) };

// Open the first result from the keyboard: focus its link, press Enter.
await clearField("q");
await typeText(scenario.query);
await waitFor(`document.querySelectorAll("#results li").length > 0 && document.getElementById("search-status").textContent.includes(${JSON.stringify(scenario.query)})`, "results again");
await evaluate(`document.querySelector("#results li .name").focus(), true`);
await press("Enter", "Enter", 13);
await waitFor(`!document.getElementById("view-contact").hidden && document.getElementById("contact-status").textContent.startsWith("Contact ")`, "the contact page");
seen.contact = await evaluate(`({
  hash: location.hash,
  title: document.getElementById("contact-title").textContent,
  phones: [...document.querySelectorAll("#phones tbody tr")].map((tr) => [...tr.cells].map((c) => c.textContent)),
  notes: [...document.querySelectorAll("#notes li div:first-child")].map((d) => d.textContent),
  events: [...document.querySelectorAll("#events li code")].map((c) => c.textContent),
})`);
await screenshot("contact.png");

// The caller-ID tester, one number per rule.
await evaluate(`document.querySelector('nav a[data-view="caller"]').click(), true`);
await waitFor(`!document.getElementById("view-caller").hidden`, "the caller view");
seen.caller = [];
for (const number of scenario.numbers) {
  await clearField("number");
  await typeText(number);
  await press("Enter", "Enter", 13);
  await waitFor(`(() => { const o = document.getElementById("caller-outcome"); return o && document.getElementById("caller-result").textContent !== "Looking up…"; })()`, "a lookup");
  await sleep(50);
  seen.caller.push(await evaluate(`({
    number: ${JSON.stringify(number)},
    outcome: document.getElementById("caller-outcome").dataset.outcome,
    contact: document.getElementById("caller-contact") ? document.getElementById("caller-contact").textContent : null,
    rule: document.getElementById("caller-rule") ? document.getElementById("caller-rule").dataset.rule : null,
    text: document.getElementById("caller-result").textContent,
  })`));
  if (number === scenario.numbers[0]) await screenshot("caller.png");
}

// Logging out forgets the token.
await evaluate(`document.getElementById("logout").click(), true`);
await waitFor(`!document.getElementById("view-login").hidden`, "the login view");
seen.logged_out = await evaluate(`sessionStorage.getItem("contacts-console-token") === null`);

// Back to the search with its results, for the README's screenshot.
await send("Page.navigate", { url: `${scenario.base}/console#/search?q=${encodeURIComponent(scenario.query)}` });
await waitFor(`document.readyState === "complete" && !document.getElementById("view-login").hidden`, "the login page");
await send("Input.insertText", { text: scenario.token });
await press("Enter", "Enter", 13);
await waitFor(`document.querySelectorAll("#results li").length > 0`, "results from the URL");
await sleep(100);
await screenshot("console.png");

seen.console_errors = consoleErrors;
process.stdout.write(JSON.stringify(seen) + "\n");
ws.close();
finish(0);
