// The Train page: start a run from a form (checked by the run's typed config, mistakes shown at their
// field), follow the queue, and steer a run: pause, resume, one step, stop, change settings from the next
// step, fork from a checkpoint. Everything shown is read back from the run folders (status.json,
// events.jsonl, stats.jsonl) every 1.5 s, so a reload loses nothing.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { defaults: {}, formKeys: [], run: null, status: {}, events: [], stats: [], statsLines: 0,
  checkpoints: [], settingsShown: "", started: null };
window.studioTrain = state; // for the end-to-end tests

const POLL_MS = 1500;

// "1e-4" -> 0.0001, "true" -> true, "mnist" -> "mnist": values as the config reads them
function parseValue(text) {
  const t = text.trim();
  if (t === "true" || t === "false") return t === "true";
  if (t !== "" && isFinite(Number(t))) return Number(t);
  return t;
}

function parseLines(text) {
  const out = {};
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const eq = line.indexOf("=");
    if (eq < 1) throw new Error("'" + line + "' is not KEY=VALUE");
    out[line.slice(0, eq).trim()] = parseValue(line.slice(eq + 1));
  }
  return out;
}

function fieldId(prefix, key) { return prefix + key.replace(/[^A-Za-z0-9_]/g, "_"); }

// a labelled text input for config key `key` (id prefix + key), appended to `box`
function textField(box, prefix, key, value) {
  const label = document.createElement("label");
  label.htmlFor = fieldId(prefix, key);
  label.textContent = key;
  const input = document.createElement("input");
  input.type = "text";
  input.id = fieldId(prefix, key);
  input.dataset.key = key;
  input.value = value;
  box.append(label, input);
  return input;
}

// a labelled choice for config key `key` whose config allows only `choices` (e.g. augment.kind: none, ada, ...)
function choiceField(box, prefix, key, value, choices) {
  const label = document.createElement("label");
  label.htmlFor = fieldId(prefix, key);
  label.textContent = key;
  const select = document.createElement("select");
  select.id = fieldId(prefix, key);
  select.dataset.key = key;
  for (const c of choices) select.add(new Option(String(c), String(c)));
  select.value = value;
  box.append(label, select);
  return select;
}

// ------------------------------------------------------------------ the form
async function loadOptions() {
  const opts = await studio.api("GET", "/api/train/options");
  state.formKeys = opts.form_keys;
  const select = $("model");
  for (const [family, models] of Object.entries(opts.families)) {
    const group = document.createElement("optgroup");
    group.label = family;
    for (const m of models) {
      const o = document.createElement("option");
      o.value = o.textContent = m;
      group.appendChild(o);
    }
    select.appendChild(group);
  }
  select.value = "dcgan";
  await loadDefaults();
}

async function loadDefaults() {
  const data = await studio.api("GET", "/api/train/defaults?model=" + encodeURIComponent($("model").value));
  state.defaults = data.settings;
  const box = $("fields");
  box.innerHTML = "";
  for (const key of state.formKeys.filter((k) => k in data.settings)) {
    const value = data.settings[key] === null ? "" : String(data.settings[key]);
    const choices = (data.choices || {})[key];
    if (choices) choiceField(box, "f-", key, value, choices); else textField(box, "f-", key, value);
    const err = document.createElement("div");
    err.className = "field-error";
    err.id = fieldId("err-", key);
    box.append(err);
  }
}

function clearFieldErrors() {
  document.querySelectorAll("#train-form .field-error").forEach((e) => { e.textContent = ""; });
}

function showFieldErrors(err, fallback) {
  const fields = (err.body && err.body.fields) || {};
  let shown = false;
  for (const [key, message] of Object.entries(fields)) {
    const box = $(fieldId("err-", key)) || $("err-" + key);
    if (box) { box.textContent = message; shown = true; }
  }
  if (!shown) $(fallback).textContent = err.message;
}

async function startRun() {
  clearFieldErrors();
  const settings = {};
  document.querySelectorAll("#fields input, #fields select").forEach((input) => {
    const value = parseValue(input.value), key = input.dataset.key;
    if (String(value) !== String(state.defaults[key]) || key === "train.steps") settings[key] = value;
  });
  try {
    Object.assign(settings, parseLines($("more").value));
  } catch (e) {
    $("err-settings").textContent = e.message;
    return;
  }
  try {
    const job = await apiWithFields("POST", "/api/train", { model: $("model").value, settings: settings });
    state.started = job.name;
    await refreshJobs();
  } catch (e) {
    showFieldErrors(e, "err-settings");
  }
}

// studio.api, keeping the server's per-field messages on the error
async function apiWithFields(method, url, body) {
  const res = await fetch(url, { method: method, headers: { "content-type": "application/json" },
    body: JSON.stringify(body) });
  const data = await res.json();
  if (!res.ok) {
    const err = new Error(data.error || ("request failed: " + res.status));
    err.body = data;
    throw err;
  }
  return data;
}

async function refreshJobs() {
  const data = await studio.api("GET", "/api/train/jobs");
  const list = $("jobs");
  list.innerHTML = "";
  if (!data.jobs.length) list.innerHTML = "<li class='muted'>nothing queued</li>";
  for (const job of data.jobs.slice().reverse()) {
    const li = document.createElement("li");
    li.dataset.name = job.name;
    li.dataset.state = job.state;
    li.textContent = job.name + " · " + job.state + (job.fork ? " (fork of " + job.fork.parent + ")" : "") +
      (job.error ? ": " + job.error : "");
    if (job.state === "queued") {
      const b = document.createElement("button");
      b.className = "secondary";
      b.textContent = "cancel";
      b.addEventListener("click", () => studio.api("POST", "/api/train/jobs/" + job.id + "/cancel", {})
        .then(refreshJobs).catch((e) => studio.showError(e.message)));
      li.appendChild(b);
    }
    list.appendChild(li);
  }
  return data.jobs;
}

// ------------------------------------------------------------------ steering
async function refreshRuns() {
  const data = await studio.api("GET", "/api/runs");
  const select = $("steer-run"), names = data.runs.map((r) => r.name);
  const current = state.run;
  select.innerHTML = "";
  for (const run of data.runs) {
    const o = document.createElement("option");
    o.value = run.name;
    o.textContent = run.name + (run.live ? " (active)" : "");
    select.appendChild(o);
  }
  let pick = current;
  if (state.started && names.includes(state.started)) { pick = state.started; state.started = null; }
  if (!pick || !names.includes(pick)) pick = names[0] || null;
  if (pick !== current) selectRun(pick);
  if (pick) select.value = pick;
}

function selectRun(name) {
  Object.assign(state, { run: name, status: {}, events: [], stats: [], statsLines: 0, settingsShown: "" });
  $("settings").innerHTML = "";
}

async function refreshRun() {
  if (!state.run) return;
  const name = state.run;
  const run = await studio.api("GET", "/api/runs/" + encodeURIComponent(name) + "?since_stats=" + state.statsLines +
    "&since_metrics=0");
  if (name !== state.run) return;
  state.stats = run.stats_from === 0 ? run.stats : state.stats.concat(run.stats);
  state.statsLines = run.stats_lines;
  state.events = run.events;
  state.status = run.status || {};
  state.checkpoints = run.checkpoints.filter((c) => c.ok);
  const st = state.status;
  const what = st.training ? st.state : (st.state ? st.state + " (not training)" : "not started from this ganforge");
  $("steer-status").textContent = "step " + run.step + " · " + what;
  $("steer-status").dataset.state = st.training ? st.state : "idle";
  for (const id of ["pause", "resume", "step", "stop", "apply"]) $(id).disabled = !st.training;
  $("pause").disabled = !st.training || st.state === "paused";
  $("resume").disabled = !st.training || st.state !== "paused";
  drawSettings(st.settings || {});
  drawEvents();
  drawCurves();
  drawForkOptions();
}

function drawSettings(settings) {
  const key = JSON.stringify(settings);
  if (key === state.settingsShown) return; // keep what the user is typing
  state.settingsShown = key;
  const box = $("settings");
  box.innerHTML = "";
  for (const [k, v] of Object.entries(settings)) {
    textField(box, "s-", k, String(v)).dataset.current = String(v);
  }
}

function drawEvents() {
  const list = $("events");
  list.innerHTML = "";
  for (const e of state.events.slice().reverse()) {
    const li = document.createElement("li");
    li.dataset.event = e.event;
    const values = Object.entries(e.values || {}).map(([k, v]) => k + " " + ((e.previous || {})[k] ?? "") + " → " + v);
    li.textContent = "step " + e.step + " · " + e.event + (values.length ? ": " + values.join(", ") : "") +
      (e.error ? ": " + e.error : "") + (e.source ? " (" + e.source + ")" : "");
    list.appendChild(li);
  }
}

function drawCurves() {
  const keys = [...new Set(state.stats.flatMap((r) => Object.keys(r)))].filter((k) => k.startsWith("loss/") ||
    k.endsWith("/d_loss") || k.endsWith("/g_loss"));
  const series = keys.map((k, i) => ({ name: k, color: studio.COLORS[i % studio.COLORS.length],
    points: state.stats.filter((r) => typeof r[k] === "number").map((r) => [r.step, r[k]]) }));
  let canvas = $("steer-curve");
  if (!canvas) {
    canvas = document.createElement("canvas");
    canvas.id = "steer-curve";
    canvas.width = 460;
    canvas.height = 200;
    $("steer-curves").appendChild(canvas);
  }
  state.markers = studio.eventMarkers(state.events);
  canvas.setAttribute("aria-label", "losses with " + state.markers.length + " markers");
  studio.lineChart(canvas, series, "losses", state.markers);
}

function drawForkOptions() {
  const select = $("fork-step"), steps = state.checkpoints.map((c) => String(c.step));
  if ([...select.options].map((o) => o.value).join() === steps.join()) return;
  const kept = select.value;
  select.innerHTML = "";
  for (const s of steps) {
    const o = document.createElement("option");
    o.value = o.textContent = s;
    select.appendChild(o);
  }
  if (steps.includes(kept)) select.value = kept; else if (steps.length) select.value = steps[steps.length - 1];
}

async function steer(action, values) {
  $("steer-error").textContent = "";
  try {
    await apiWithFields("POST", "/api/runs/" + encodeURIComponent(state.run) + "/control",
      values ? { action: action, values: values } : { action: action });
  } catch (e) {
    $("steer-error").textContent = e.message;
  }
  await refreshRun();
}

function changedSettings() {
  const values = {};
  document.querySelectorAll("#settings input").forEach((input) => {
    if (input.value.trim() !== input.dataset.current) values[input.dataset.key] = parseValue(input.value);
  });
  return values;
}

async function fork() {
  $("fork-error").textContent = "";
  try {
    const settings = parseLines($("fork-settings").value);
    if ($("fork-steps").value) settings["train.steps"] = Number($("fork-steps").value);
    const job = await apiWithFields("POST", "/api/runs/" + encodeURIComponent(state.run) + "/fork",
      { step: Number($("fork-step").value), settings: settings });
    state.started = job.name;
    await refreshJobs();
  } catch (e) {
    $("fork-error").textContent = e.message;
  }
}

async function loop() {
  try {
    await refreshJobs();
    await refreshRuns();
    await refreshRun();
  } catch (e) {
    studio.showError(e.message);
  } finally {
    setTimeout(loop, POLL_MS);
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  $("model").addEventListener("change", () => loadDefaults().catch((e) => studio.showError(e.message)));
  $("start").addEventListener("click", startRun);
  $("steer-run").addEventListener("change", () => { selectRun($("steer-run").value); refreshRun(); });
  for (const action of ["pause", "resume", "step", "stop"]) $(action).addEventListener("click", () => steer(action));
  $("apply").addEventListener("click", () => {
    const values = changedSettings();
    if (Object.keys(values).length) steer("set", values); else $("steer-error").textContent = "no setting changed";
  });
  $("fork").addEventListener("click", fork);
  try { await loadOptions(); } catch (e) { studio.showError(e.message); }
  document.body.dataset.ready = "1";
  loop();
});
