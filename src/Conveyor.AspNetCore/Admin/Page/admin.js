// The Conveyor admin page: plain JavaScript over the JSON API beside it (api/…). Every value is written with
// textContent, never as HTML. State changes are POSTs with the X-Conveyor-Admin header (the API's CSRF guard).
"use strict";

const api = (path) => new URL("api/" + path, document.baseURI);
const refreshEvery = 2000;
let pages = [null];   // the 'after' token of each page shown so far; the last one is the current page
let nextToken = null;

async function request(path, options = {}) {
  const response = await fetch(api(path), { credentials: "same-origin", ...options });
  if (!response.ok) {
    let detail = response.status + " " + response.statusText;
    try { const problem = await response.json(); detail = problem.detail || problem.title || detail; } catch { /* not JSON */ }
    throw new Error(detail);
  }
  return response.status === 204 ? null : response.json();
}

function post(path, body) {
  return request(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Conveyor-Admin": "1" },
    body: JSON.stringify(body),
  });
}

function say(text, isError = false) {
  const message = document.getElementById("message");
  message.textContent = text;
  message.className = isError ? "error" : "";
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text ?? "";
  if (className) td.className = className;
  return td;
}

function button(label, onClick, className) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  if (className) b.className = className;
  b.addEventListener("click", async () => {
    b.disabled = true;
    try { await onClick(); } catch (e) { say(e.message, true); } finally { b.disabled = false; }
  });
  return b;
}

const time = (value) => value ? value.replace("T", " ").replace(/\.\d+/, "").replace(/(Z|\+00:00)$/, "") : "";

function badge(text, kind) {
  const span = document.createElement("span");
  span.className = "badge " + kind;
  span.textContent = text;
  return span;
}

async function loadChannels() {
  const channels = await request("channels");
  const body = document.querySelector("#channels tbody");
  body.replaceChildren();
  for (const c of channels.filter((c) => c.canReceive)) {
    const row = body.insertRow();
    row.dataset.channel = c.name;
    cell(row, c.name);
    cell(row, c.kind);
    cell(row, c.endpoints.join(", "));
    const state = row.insertCell();
    state.className = "state";
    if (c.consumer) {
      state.append(badge(c.consumer.state, c.consumer.state));
      if (c.consumer.isPaused) state.append(" ", badge("Paused", "Paused"));
    } else {
      state.append(badge("not running here", "none"));
    }
    cell(row, c.lag.value ?? (c.lag.error ? "? " + c.lag.error : "–"), "num lag");
    cell(row, c.consumer?.assignedPartitions.join(", "));
    cell(row, time(c.consumer?.lastMessageAt));
    cell(row, c.consumer?.lastError ? `${time(c.consumer.lastError.at)} ${c.consumer.lastError.type}: ${c.consumer.lastError.message}` : "");
    const actions = row.insertCell();
    if (c.canPause) {
      actions.append(c.consumer?.isPaused
        ? button("Resume", async () => { await post("consumers/resume", { name: c.name }); say(`Resumed ${c.name}.`); await loadChannels(); }, "resume")
        : button("Pause", async () => { await post("consumers/pause", { name: c.name }); say(`Paused ${c.name}: it takes no new message.`); await loadChannels(); }, "pause"));
    }
  }
  document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
}

async function loadEndpoints() {
  const body = document.querySelector("#endpoints tbody");
  body.replaceChildren();
  for (const e of await request("endpoints")) {
    const row = body.insertRow();
    for (const value of [e.id, e.kind, e.handler, e.channel, e.mode, e.routing]) cell(row, value);
  }
}

function filters() {
  const form = new FormData(document.getElementById("filters"));
  const query = new URLSearchParams();
  for (const name of ["endpoint", "channel", "exception", "limit"]) {
    const value = (form.get(name) || "").trim();
    if (value) query.set(name, value);
  }
  return query;
}

async function loadDeadLetters() {
  const query = filters();
  const after = pages[pages.length - 1];
  if (after) query.set("after", after);
  const page = await request("dead-letters?" + query);
  const body = document.querySelector("#dead-letters tbody");
  body.replaceChildren();
  for (const d of page.items) {
    const row = body.insertRow();
    row.dataset.id = d.id;
    cell(row, time(d.failedAt));
    cell(row, d.endpointId);
    cell(row, d.channelName);
    cell(row, d.exceptionType.split(/[.+]/).pop()).title = d.exceptionType;
    cell(row, d.exceptionMessage);
    cell(row, d.attempts, "num");
    const actions = row.insertCell();
    actions.append(
      button("Show", () => showDeadLetter(d.id), "show"), " ",
      button("Replay", async () => { await post("dead-letters/replay", { id: d.id }); say(`Replayed ${d.id} to ${d.endpointId}.`); await afterChange(d.id); }, "replay"), " ",
      button("Delete", async () => {
        if (!confirm(`Delete dead letter ${d.id} for good?`)) return;
        await post("dead-letters/delete", { id: d.id }); say(`Deleted ${d.id}.`); await afterChange(d.id);
      }, "delete danger"));
  }
  document.getElementById("dead-letters-empty").hidden = page.items.length > 0;
  nextToken = page.next;
  document.getElementById("next-page").disabled = !nextToken;
  document.getElementById("first-page").disabled = pages.length === 1;
}

async function afterChange(id) {
  if (document.getElementById("detail-id").textContent === id) document.getElementById("detail").hidden = true;
  await Promise.all([loadDeadLetters(), loadChannels()]);
}

function pairs(list, entries) {
  list.replaceChildren();
  for (const [label, value] of entries) {
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = value ?? "";
    list.append(dt, dd);
  }
}

async function showDeadLetter(id) {
  const detail = await request("dead-letters/show?id=" + encodeURIComponent(id));
  const d = detail.deadLetter;
  document.getElementById("detail-id").textContent = d.id;
  pairs(document.getElementById("detail-summary"), [
    ["Endpoint", d.endpointId], ["Channel", d.channelName], ["Position", d.position], ["Failed at", time(d.failedAt)],
    ["Attempts", d.attempts], ["Exception", d.exceptionType], ["Reason", d.exceptionMessage],
  ]);
  pairs(document.getElementById("detail-headers"), Object.entries(detail.headers));
  document.getElementById("detail-body-title").textContent =
    `Body (${detail.contentType || "no content type"}, ${detail.bodyLength} bytes${detail.bodyText === null ? ", binary, base64" : ""})`;
  document.getElementById("detail-body").textContent = detail.bodyText ?? detail.bodyBase64;
  document.getElementById("detail").hidden = false;
}

async function guarded(action) {
  try { await action(); } catch (e) { say(e.message, true); }
}

document.getElementById("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  pages = [null];
  guarded(loadDeadLetters);
});
document.getElementById("next-page").addEventListener("click", () => { pages.push(nextToken); guarded(loadDeadLetters); });
document.getElementById("first-page").addEventListener("click", () => { pages = [null]; guarded(loadDeadLetters); });

guarded(() => Promise.all([loadChannels(), loadEndpoints(), loadDeadLetters()]));
setInterval(() => guarded(loadChannels), refreshEvery);
