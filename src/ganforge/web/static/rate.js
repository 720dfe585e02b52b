// The Rate page: HYPE-infinity studies. Organisers make a study of real and generated items from runs and
// read the results (HYPE-infinity with a 95 % bootstrap interval, per run and setting, per rater; a CSV of
// every rating). Raters open /rate?study=NAME, give a name and answer "real" or "fake" for each item in
// their own random order (keys R/F or the arrows). An answer the server could not store (a locked or
// read-only database, a lost connection) is kept and can be sent again: nothing a rater does is lost.
"use strict";

const $ = (id) => document.getElementById(id);
const view = { overview: null, study: null, results: null, session: null, pending: null, shownAt: 0,
  busy: false, submitted: 0 };
window.studioRate = view; // for the end-to-end tests

const pct = (x) => (100 * x).toFixed(1) + " %";
const api = (path) => "/api/rate" + path;
const studyPath = (name) => api("/studies/" + encodeURIComponent(name));

async function refreshOverview() {
  const data = await studio.api("GET", api(""));
  view.overview = data;
  $("database").textContent = "database: " + data.database;
  const list = $("studies");
  list.innerHTML = "";
  if (data.studies.length === 0) list.innerHTML = "<li class='muted'>no studies yet</li>";
  for (const s of data.studies) {
    const li = document.createElement("li");
    li.dataset.name = s.name;
    li.classList.toggle("selected", s.name === view.study);
    const name = document.createElement("div");
    name.className = "name";
    name.textContent = s.name;
    const meta = document.createElement("div");
    meta.className = "notice";
    meta.textContent = s.items.generated + " generated + " + s.items.real + " real · " + s.raters + " rater(s) · " +
      s.ratings + " ratings";
    li.append(name, meta);
    li.addEventListener("click", () => select(s.name));
    list.appendChild(li);
  }
  const runs = $("study-runs");
  const chosen = new Set(Array.from(runs.selectedOptions).map((o) => o.value));
  runs.innerHTML = "";
  for (const r of data.runs) {
    const o = document.createElement("option");
    o.value = r.name;
    o.textContent = r.name + " (" + r.model + ", step " + r.step + ")";
    o.selected = chosen.has(r.name);
    runs.appendChild(o);
  }
}

function select(name) {
  if (!name) return;
  Object.assign(view, { study: name, session: null, pending: null });
  const url = new URL(location.href);
  url.searchParams.set("study", name);
  history.replaceState(null, "", url);
  document.querySelectorAll("#studies li").forEach((li) => li.classList.toggle("selected", li.dataset.name === name));
  $("no-study").hidden = true;
  $("study-body").hidden = false;
  $("study-title").textContent = name;
  $("rater-start").hidden = false;
  $("rater-task").hidden = true;
  $("rater-done").hidden = true;
  $("export").href = studyPath(name) + "/export.csv";
  $("export").setAttribute("download", name + "-ratings.csv");
  const saved = localStorage.getItem("ganforge-rater");
  if (saved && !$("rater-name").value) $("rater-name").value = saved;
  refreshResults().catch((e) => studio.showError(e.message));
}

// ------------------------------------------------------------------ rating
async function start() {
  const rater = $("rater-name").value.trim();
  if (!rater) { studio.showError("give your rater name first (your name or an alias)"); return; }
  const session = await studio.api("POST", studyPath(view.study) + "/sessions", { rater: rater });
  localStorage.setItem("ganforge-rater", rater);
  $("rater-start").hidden = true;
  show(session);
}

function show(session) {
  view.session = session;
  $("rater-label").textContent = "rater " + session.rater + (session.scripted ? " (scripted)" : "");
  $("progress-text").textContent = session.done + " / " + session.total;
  if (!session.next) {
    $("rater-task").hidden = true;
    $("rater-done").hidden = false;
    refreshResults().catch((e) => studio.showError(e.message));
    return;
  }
  $("rater-task").hidden = false;
  setAnswering(false);
  const img = $("item"), url = studyPath(session.study) + "/items/" + session.next;
  img.dataset.item = session.next;
  if (img.getAttribute("src") === url && img.complete) setAnswering(true);
  else img.src = url;
}

function setAnswering(on) {
  $("answer-real").disabled = !on;
  $("answer-fake").disabled = !on;
}

async function answer(choice) {
  const s = view.session;
  if (!s || !s.next || view.busy || $("answer-real").disabled) return;
  view.pending = { item: s.next, answer: choice, response_ms: Math.max(0, Math.round(performance.now() - view.shownAt)) };
  await send();
}

async function send() {
  if (!view.pending || view.busy) return;
  view.busy = true;
  setAnswering(false);
  try {
    const state = await studio.api("POST", api("/sessions/" + view.session.session + "/ratings"), view.pending);
    view.pending = null;
    view.submitted += 1;
    $("resend").hidden = true;
    studio.clearError();
    show(state);
  } catch (e) {
    if (e.status === 409) {          // rated already (e.g. in another tab): keep the first answer, move on
      view.pending = null;
      show(await studio.api("GET", api("/sessions/" + view.session.session)));
    } else {                         // kept: the rater sends it again once the server can store it
      $("resend").hidden = false;
      setAnswering(false);
    }
    studio.showError(e.message);
  } finally {
    view.busy = false;
  }
}

document.addEventListener("keydown", (e) => {
  if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT" || e.ctrlKey || e.metaKey || e.altKey) return;
  const key = e.key.toLowerCase();
  if (key === "r" || key === "arrowleft") { e.preventDefault(); answer("real"); }
  if (key === "f" || key === "arrowright") { e.preventDefault(); answer("fake"); }
});

// ------------------------------------------------------------------ results
function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.appendChild(td);
}

async function refreshResults() {
  if (!view.study) return;
  if (view.overview) await refreshOverview();   // the study list's counts too
  const res = await studio.api("GET", studyPath(view.study));
  view.results = res;
  const info = res.study;
  $("study-meta").textContent = info.items.generated + " generated, " + info.items.real + " real, " +
    info.items.attention + " attention-check items · " + info.raters + " rater(s), " + info.scripted_raters +
    " of them scripted · " + info.ratings + " ratings";
  const o = res.overall;
  $("results-overall").textContent = o
    ? "HYPE∞ " + pct(o.hype) + "  [" + pct(o.low) + ", " + pct(o.high) + "]  · generated taken for real " +
      pct(o.fake_as_real) + " · real taken for generated " + pct(o.real_as_fake)
    : "not enough ratings yet (needs answers to real and generated items)";
  $("setting-head").textContent = info.setting;
  const groups = $("results-groups").querySelector("tbody");
  groups.innerHTML = "";
  for (const g of res.groups) {
    const tr = document.createElement("tr");
    const sc = g.score;
    cell(tr, g.run);
    cell(tr, g.setting === null ? "default" : String(g.setting));
    cell(tr, sc ? pct(sc.hype) : "–");
    cell(tr, sc ? "[" + pct(sc.low) + ", " + pct(sc.high) + "]" : "–");
    cell(tr, sc ? pct(sc.fake_as_real) : "–");
    cell(tr, sc ? pct(sc.real_as_fake) : "–");
    cell(tr, sc ? sc.n_generated + " + " + sc.n_real : "0");
    groups.appendChild(tr);
  }
  const raters = $("results-raters").querySelector("tbody");
  raters.innerHTML = "";
  for (const r of res.raters) {
    const tr = document.createElement("tr");
    cell(tr, r.rater);
    cell(tr, r.scripted ? "scripted (a program)" : "person");
    cell(tr, String(r.ratings));
    cell(tr, r.score ? pct(r.score.hype) : "–");
    cell(tr, r.attention_seen ? (r.attention_seen - r.attention_failed) + "/" + r.attention_seen + " passed" +
      (r.excluded ? " (left out)" : "") : "–");
    raters.appendChild(tr);
  }
  $("results-method").textContent = res.method;
}

async function createStudy() {
  const runs = Array.from($("study-runs").selectedOptions).map((o) => o.value);
  const settings = $("study-settings").value.split(",").map((s) => s.trim()).filter((s) => s)
    .map((s) => (s.toLowerCase() === "none" ? null : Number(s)));
  const body = { name: $("study-name").value.trim(), runs: runs, settings: settings,
    n: parseInt($("study-n").value, 10), attention: parseInt($("study-attention").value, 10) };
  const bar = $("create-progress");
  bar.hidden = false;
  $("create-study").disabled = true;
  try {
    const study = await studio.api("POST", api("/studies"), body);
    await refreshOverview();
    select(study.name);
  } finally {
    bar.hidden = true;
    $("create-study").disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const guard = (fn) => () => fn().catch((e) => studio.showError(e.message));
  $("start").addEventListener("click", guard(start));
  $("rater-name").addEventListener("keydown", (e) => { if (e.key === "Enter") guard(start)(); });
  $("answer-real").addEventListener("click", () => answer("real"));
  $("answer-fake").addEventListener("click", () => answer("fake"));
  $("resend").addEventListener("click", () => send());
  $("refresh-results").addEventListener("click", guard(refreshResults));
  $("create-study").addEventListener("click", guard(createStudy));
  $("item").addEventListener("load", () => { view.shownAt = performance.now(); setAnswering(!view.pending); });
  $("item").addEventListener("error", () => studio.showError("could not load the item; reload the page"));
  refreshOverview().then(() => {
    select(new URLSearchParams(location.search).get("study"));
    document.body.dataset.ready = "1";
  }).catch((e) => studio.showError(e.message));
});
