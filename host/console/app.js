// The operator's console: log in with a token, search as you type, test a
// caller id, and read a contact's phones, notes and events. Plain DOM code
// (no framework, no build step); views are chosen by the URL's hash:
// #/search?q=…, #/caller, #/contact/ID.

import { createApi, failure } from "/console/api.js";

const TOKEN_KEY = "contacts-console-token";
const $ = (id) => document.getElementById(id);
let api = null;

// ---- small DOM helpers (text only: nothing from the server becomes HTML) ----

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child == null) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function show(view) {
  for (const section of document.querySelectorAll(".view")) {
    section.hidden = section.id !== `view-${view}`;
  }
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function focusHeading(id) {
  const heading = $(id);
  if (heading) heading.focus({ preventScroll: false });
}

// ---- highlighting and the reason of a rank ----

const digitsOf = (s) => (s || "").replace(/\D/g, "");

/** The query's digits when it reads as a phone number (3 or more digits). */
function phoneQuery(query) {
  const stripped = query.trim().replace(/[\s.\-()]/g, "").replace(/^\+/, "");
  return /^\d{3,}$/.test(stripped) ? stripped : null;
}

function terms(query) {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/** `text` as nodes, with the [start, end) ranges wrapped in <mark>. */
function marked(text, ranges) {
  const frag = document.createDocumentFragment();
  const sorted = ranges.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let at = 0;
  for (const [a, b] of sorted) {
    if (b <= at) continue;
    const from = Math.max(a, at);
    frag.append(text.slice(at, from), el("mark", { text: text.slice(from, b) }));
    at = b;
  }
  frag.append(text.slice(at));
  return frag;
}

/** Where the query's words occur in `text`, case-insensitively. */
function wordRanges(text, query) {
  const lower = (text || "").toLowerCase();
  const out = [];
  for (const t of terms(query)) {
    let i = lower.indexOf(t);
    while (i >= 0) {
      out.push([i, i + t.length]);
      i = lower.indexOf(t, i + t.length);
    }
  }
  return out;
}

/** Where the query's digits occur in a phone as typed (formatting skipped). */
function digitRanges(phone, digits) {
  if (!phone || !digits) return [];
  const positions = [];
  for (let i = 0; i < phone.length; i++) if (/\d/.test(phone[i])) positions.push(i);
  const all = positions.map((i) => phone[i]).join("");
  const out = [];
  // The whole number in another format (+33 6… for 06…) matches its tail.
  for (const d of [digits, digits.length > 9 ? digits.slice(-9) : null]) {
    const at = d ? all.indexOf(d) : -1;
    if (at >= 0) {
      out.push([positions[at], positions[at + d.length - 1] + 1]);
      break;
    }
  }
  return out;
}

/**
 * The hook for the API's own ranking explanation: when a search result
 * carries `ranking` (`{rule, field}` and optionally `score`), the console
 * shows it as the reason. Until the API says why, the console shows what a
 * client can tell from the result itself (see `guessReason`).
 */
export function apiReason(result) {
  const r = result && result.ranking;
  if (!r || typeof r !== "object" || !r.rule) return null;
  return { field: r.field || "", rule: String(r.rule), score: r.score, from: "server" };
}

/** The strongest match a client can see, in the order the search ranks them. */
export function guessReason(query, c) {
  const q = query.trim().toLowerCase();
  const email = (c.email || "").toLowerCase();
  const digits = phoneQuery(query);
  const phone = digitsOf(c.phone);
  const name = `${c.first_name || ""} ${c.last_name || ""}`.toLowerCase().trim();
  const words = terms(query);
  const nameWords = name.split(/\s+/).filter(Boolean);
  if (email && email === q) return { field: "email", rule: "exact email" };
  if (digits && phone && (phone === digits || phone.endsWith(digits.slice(-9)) && digits.length >= 9 || digitsOf(c.phone_number) === digits))
    return { field: "phone", rule: "exact phone" };
  if (words.length && words.every((w) => nameWords.some((n) => n.startsWith(w))))
    return { field: "name", rule: "name prefix" };
  if (email && email.startsWith(q)) return { field: "email", rule: "email prefix" };
  if (digits && phone.includes(digits)) return { field: "phone", rule: "phone digits" };
  if (words.length && words.every((w) => name.includes(w))) return { field: "name", rule: "within the name" };
  if (email && email.includes(q)) return { field: "email", rule: "within the email" };
  if (digits) return { field: "phone", rule: "another phone's digits" };
  return { field: "", rule: "close spelling (typo-tolerant)" };
}

// ---- login ----

async function login(token) {
  const candidate = createApi(token);
  const reply = await candidate.me();
  if (reply.status !== 200) {
    return reply.status === 401 ? "This token is not valid on this server." : failure(reply);
  }
  api = candidate;
  sessionStorage.setItem(TOKEN_KEY, token);
  const a = reply.body.data;
  $("agent").textContent = `${a.first_name || ""} ${a.last_name || ""}`.trim() || a.email || `agent ${a.id}`;
  $("nav").hidden = false;
  $("who").hidden = false;
  return null;
}

function logout(message) {
  api = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $("nav").hidden = true;
  $("who").hidden = true;
  $("login-error").textContent = message || "";
  show("login");
  $("token").value = "";
  $("token").focus();
}

// ---- search ----

let pending = null;
let timer = null;

function searchResult(query, c, index) {
  const digits = phoneQuery(query);
  const reason = apiReason(c) || guessReason(query, c);
  const name = `${c.first_name || ""} ${c.last_name || ""}`.trim() || "(no name)";
  const fields = el("div", { class: "fields" });
  if (c.email) fields.append(el("span", { "data-field": "email" }, marked(c.email, wordRanges(c.email, query))));
  if (c.phone) fields.append(el("span", { "data-field": "phone" }, marked(c.phone, digitRanges(c.phone, digits))));
  const link = el("a", { href: `#/contact/${c.id}`, class: "name" }, marked(name, wordRanges(name, query)));
  const why = el("div", { class: "why", "data-rule": reason.rule },
    `#${index + 1}: `, el("strong", { text: reason.rule }),
    reason.field ? ` on the ${reason.field}` : "",
    reason.from === "server" ? " (as the server ranked it)" : "");
  const li = el("li", { "data-id": String(c.id) },
    el("span", { class: "rank", "aria-hidden": "true", text: String(index + 1) }), link, fields, why);
  if (c.blocked) link.after(el("span", { class: "badge", text: "blocked" }));
  return li;
}

async function runSearch(query) {
  if (pending) pending.abort();
  const list = $("results");
  if (!query.trim()) {
    list.replaceChildren();
    $("search-status").textContent = "";
    return;
  }
  const controller = new AbortController();
  pending = controller;
  let reply;
  try {
    reply = await api.search(query, controller.signal);
  } catch (e) {
    if (e.name === "AbortError") return;
    $("search-status").textContent = "The server cannot be reached.";
    return;
  }
  if (pending !== controller) return;
  pending = null;
  if (reply.status === 401) return logout("The server no longer accepts this token.");
  if (reply.status !== 200) {
    list.replaceChildren();
    $("search-status").textContent = failure(reply);
    return;
  }
  const results = reply.body.data;
  list.replaceChildren(...results.map((c, i) => searchResult(query, c, i)));
  $("search-status").textContent = results.length === 0
    ? `No contact matches “${query}”.`
    : `${results.length} result${results.length === 1 ? "" : "s"} for “${query}”, best first.`;
}

function onSearchInput() {
  const query = $("q").value;
  clearTimeout(timer);
  timer = setTimeout(() => {
    history.replaceState(null, "", query.trim() ? `#/search?q=${encodeURIComponent(query)}` : "#/search");
    runSearch(query);
  }, 180);
}

// ---- caller id ----

const RULES = {
  exact: "exact: the same E.164 number",
  international_digits: "international digits: the number read with its country code, without +",
  national: "national: the number in its national form, in the server's region",
  suffix: "suffix: the last digits of a stored number (at most 9)",
};

async function lookup(number) {
  const out = $("caller-result");
  out.replaceChildren(el("p", { class: "status", text: "Looking up…" }));
  const reply = await api.lookup(number);
  if (reply.status === 401) return logout("The server no longer accepts this token.");
  if (reply.status === 404) {
    out.replaceChildren(el("p", { id: "caller-outcome", "data-outcome": "not-found", text: `No contact has the number “${number}”.` }));
    return;
  }
  if (reply.status !== 200) {
    out.replaceChildren(el("p", { id: "caller-outcome", class: "error", "data-outcome": "error", text: failure(reply) }));
    return;
  }
  const c = reply.body.data;
  const name = `${c.first_name || ""} ${c.last_name || ""}`.trim() || "(no name)";
  const facts = el("dl", { class: "facts" },
    el("dt", { text: "Contact" }), el("dd", {}, el("a", { href: `#/contact/${c.id}`, id: "caller-contact", text: name })),
    el("dt", { text: "Rule" }), el("dd", { id: "caller-rule", "data-rule": c.match, text: RULES[c.match] || c.match }),
    el("dt", { text: "Matched phone" }), el("dd", { text: `${c.matched_number} (${c.matched_type})` }),
    el("dt", { text: "E.164" }), el("dd", { text: c.matched_e164 || "none: not a valid number" }),
    el("dt", { text: "Company" }), el("dd", { text: c.company || "—" }),
    el("dt", { text: "Email" }), el("dd", { text: c.email_address || "—" }));
  out.replaceChildren(el("div", { class: "card", id: "caller-outcome", "data-outcome": "found" }, facts));
}

// ---- a contact's page ----

async function allEvents(id) {
  const mine = [];
  let after = 0;
  for (let page = 0; page < 50; page++) {
    const reply = await api.events(after, 1000);
    if (reply.status !== 200) return { error: failure(reply) };
    const list = reply.body.data;
    mine.push(...list.filter((e) => e.contact_id === id));
    if (list.length < 1000) return { events: mine.reverse() };
    after = reply.body.next;
  }
  return { events: mine.reverse(), truncated: true };
}

function phonesTable(phones) {
  if (!phones.length) return el("p", { class: "hint", text: "No phone." });
  const rows = phones.map((p) => el("tr", {},
    el("td", { text: p.number }),
    el("td", { text: p.e164 || "—" }),
    el("td", { text: p.type }),
    el("td", { class: p.e164 ? "valid" : "invalid", text: p.e164 ? "valid" : "not valid" })));
  return el("table", { id: "phones" },
    el("caption", { class: "hint", text: "E.164 is given only for a valid number." }),
    el("thead", {}, el("tr", {}, ...["As typed", "E.164", "Type", "Validity"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...rows));
}

async function showContact(id) {
  show("contact");
  const body = $("contact-body");
  body.replaceChildren();
  $("contact-title").textContent = "Contact";
  $("contact-status").textContent = "Loading…";
  focusHeading("contact-title");
  const reply = await api.contact(id);
  if (reply.status === 401) return logout("The server no longer accepts this token.");
  if (reply.status !== 200) {
    $("contact-status").textContent = reply.status === 404 ? "No such contact." : failure(reply);
    return;
  }
  const c = reply.body.data;
  $("contact-title").textContent = `${c.first_name || ""} ${c.last_name || ""}`.trim() || "(no name)";
  const [notes, events] = await Promise.all([api.notes(id), allEvents(Number(id))]);
  const facts = el("dl", { class: "facts card" },
    el("dt", { text: "Id" }), el("dd", { text: String(c.id) }),
    el("dt", { text: "Emails" }), el("dd", { text: c.emails.join(", ") || "—" }),
    el("dt", { text: "Status" }), el("dd", { text: c.blocked ? "blocked" : "active" }),
    el("dt", { text: "Created" }), el("dd", { text: c.created_at }),
    el("dt", { text: "Updated" }), el("dd", { text: c.updated_at }));
  const noteList = notes.status === 200
    ? (notes.body.data.length
      ? el("ul", { class: "plain", id: "notes" }, ...notes.body.data.map((n) => el("li", {},
        el("div", { text: n.content }),
        el("div", { class: "meta", text: `${n.first_name} ${n.last_name}, ${n.created_at}` }))))
      : el("p", { class: "hint", text: "No note." }))
    : el("p", { class: "error", text: failure(notes) });
  const eventList = events.error
    ? el("p", { class: "error", text: events.error })
    : (events.events.length
      ? el("ul", { class: "plain", id: "events" }, ...events.events.map((e) => el("li", {},
        el("code", { text: e.kind }), ` #${e.seq}`, el("span", { class: "meta", text: ` ${e.created_at}` }))))
      : el("p", { class: "hint", text: "No event." }));
  body.replaceChildren(
    facts,
    el("h3", { text: "Phones" }), phonesTable(c.phones),
    el("h3", { text: "Notes" }), noteList,
    el("h3", { text: "Events" }), eventList);
  $("contact-status").textContent = `Contact ${c.id} loaded.`;
}

// ---- routing ----

function route() {
  if (!api) return show("login");
  const hash = location.hash || "#/search";
  const contact = hash.match(/^#\/contact\/(\d+)$/);
  if (contact) return showContact(contact[1]);
  if (hash.startsWith("#/caller")) {
    show("caller");
    return focusHeading("caller-title");
  }
  show("search");
  const q = new URLSearchParams(hash.split("?")[1] || "").get("q") || "";
  if (q && $("q").value !== q) {
    $("q").value = q;
    runSearch(q);
  }
  $("q").focus();
}

async function start() {
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const token = $("token").value.trim();
    if (!token) return;
    $("login-error").textContent = "";
    const problem = await login(token);
    if (problem) {
      $("login-error").textContent = problem;
      $("token").focus();
      return;
    }
    $("token").value = "";
    route();
  });
  $("logout").addEventListener("click", () => logout("Logged out."));
  $("search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    clearTimeout(timer);
    runSearch($("q").value);
  });
  $("q").addEventListener("input", onSearchInput);
  $("caller-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const number = $("number").value.trim();
    if (number) lookup(number);
  });
  window.addEventListener("hashchange", route);
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved && !(await login(saved))) return route();
  show("login");
  $("token").focus();
}

start();
