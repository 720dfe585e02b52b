// The Compare page: several runs (any families) overlaid: one chart per statistic or metric they share, one
// series per run (red dashes: settings changed mid-run); their samples side by side at matched steps (each
// run's newest sample at or before the chosen step); their latest scores with protocol cards, compared only
// where the cards agree (the server decides, as `ganforge eval` does).
"use strict";

const $ = (id) => document.getElementById(id);
const view = { data: null, charts: [], steps: [] };
window.studioCompare = view; // for the end-to-end tests

const ROW_KEYS = new Set(["step", "time", "phase"]);

async function loadList() {
  const data = await studio.api("GET", "/api/runs");
  const wanted = new Set(decodeURIComponent(location.hash.slice(1)).split(",").filter(Boolean));
  const list = $("pick");
  list.innerHTML = "";
  for (const run of data.runs) {
    const li = document.createElement("li");
    const label = document.createElement("label");
    label.className = "inline";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = run.name;
    box.checked = wanted.has(run.name);
    label.append(box, document.createTextNode(" " + run.name + " (" + (run.family || "?") + " " + (run.model || "") + ")"));
    li.appendChild(label);
    list.appendChild(li);
  }
  if (wanted.size) await compare();
}

function keysOf(rows, pick) {
  const keys = new Set();
  rows.forEach((r) => Object.entries(pick(r) || {}).forEach(([k, v]) => { if (!ROW_KEYS.has(k) && typeof v === "number") keys.add(k); }));
  return keys;
}

async function compare() {
  const names = [...document.querySelectorAll("#pick input:checked")].map((b) => b.value);
  if (!names.length) { studio.showError("tick at least one run"); return; }
  history.replaceState(null, "", "#" + encodeURIComponent(names.join(",")));
  view.data = await studio.api("GET", "/api/compare?runs=" + encodeURIComponent(names.join(",")));
  $("no-compare").hidden = true;
  $("compare-body").hidden = false;
  drawScores();
  drawCharts();
  setupSamples();
}

function drawCharts() {
  const runs = view.data.runs, box = $("compare-curves");
  box.innerHTML = "";
  const stats = runs.map((r) => keysOf(r.stats, (x) => x)), metrics = runs.map((r) => keysOf(r.metrics, (x) => x.values));
  const shared = (sets) => [...new Set(sets.flatMap((s) => [...s]))].filter((k) => sets.filter((s) => s.has(k)).length >= Math.min(2, sets.length));
  view.charts = [];
  const add = (title, key, rowsOf, get) => {
    const series = runs.map((r, i) => ({ name: r.name, color: studio.COLORS[i % studio.COLORS.length],
      points: rowsOf(r).filter((x) => typeof get(x) === "number").map((x) => [x.step, get(x)]) }));
    const canvas = document.createElement("canvas");
    canvas.width = 460;
    canvas.height = 180;
    canvas.id = "cmp-" + title.replace(/[^A-Za-z0-9_-]/g, "_");
    const markers = runs.flatMap((r) => studio.eventMarkers(r.events).map((m) => ({ x: m.x, label: r.name.slice(0, 10) + ": " + m.label })));
    studio.lineChart(canvas, series, title, markers);
    canvas.setAttribute("aria-label", title + ": " + series.map((s) => s.name).join(", "));
    box.appendChild(canvas);
    view.charts.push({ title: title, series: series.map((s) => ({ name: s.name, points: s.points.length })) });
  };
  shared(stats).filter((k) => !k.startsWith("grad_norm")).forEach((k) => add(k, k, (r) => r.stats, (x) => x[k]));
  shared(metrics).filter((k) => !k.endsWith("_std")).forEach((k) => add("eval: " + k, k, (r) => r.metrics, (x) => (x.values || {})[k]));
  if (!view.charts.length) box.textContent = "these runs share no statistic";
}

function cardText(card) {
  if (!card) return "no card";
  return Object.entries(card).map(([k, v]) => k + ": " + (typeof v === "string" && v.length > 16 ? v.slice(0, 16) + "…" : v)).join("\n");
}

function drawScores() {
  const table = $("scores"), runs = view.data.runs.map((r) => r.name);
  table.innerHTML = "";
  const head = table.insertRow();
  ["metric", ...runs, "verdict"].forEach((t) => { const th = document.createElement("th"); th.textContent = t; head.appendChild(th); });
  if (!view.data.scores.length) {
    const row = table.insertRow();
    row.insertCell().textContent = "no run has scores yet (train with --eval-every N)";
  }
  for (const s of view.data.scores) {
    const row = table.insertRow();
    row.dataset.metric = s.metric;
    row.insertCell().textContent = s.metric;
    for (const name of runs) {
      const cell = row.insertCell(), score = s.scores[name];
      if (!score) { cell.textContent = "-"; continue; }
      cell.textContent = studio.fmt(score.value) + " @ step " + score.step;
      const pre = document.createElement("pre");
      pre.textContent = cardText(score.card);
      cell.appendChild(pre);
    }
    const verdict = row.insertCell();
    verdict.textContent = s.comparable ? "comparable" : ("not compared: " + s.why);
    verdict.className = s.comparable ? "" : "not-comparable";
  }
}

function setupSamples() {
  view.steps = [...new Set(view.data.runs.flatMap((r) => r.samples.map((s) => s.step)))].sort((a, b) => a - b);
  const slider = $("sample-slider");
  slider.max = Math.max(0, view.steps.length - 1);
  slider.value = slider.max;
  drawSamples();
}

function drawSamples() {
  const step = view.steps[Number($("sample-slider").value)];
  $("sample-step").textContent = step === undefined ? "-" : String(step);
  const box = $("compare-samples");
  box.innerHTML = "";
  for (const run of view.data.runs) {
    const fig = document.createElement("figure");
    const sample = run.samples.filter((s) => s.step <= step).pop();
    const cap = document.createElement("figcaption");
    cap.textContent = run.name + (sample ? " · step " + sample.step : " · no sample yet");
    if (sample && sample.kind === "image") {
      const img = document.createElement("img");
      img.className = "pixels";
      img.alt = run.name + " step " + sample.step;
      img.src = "/api/runs/" + encodeURIComponent(run.name) + "/samples/" + encodeURIComponent(sample.file);
      fig.appendChild(img);
    } else if (sample) {
      const pre = document.createElement("pre");
      studio.api("GET", "/api/runs/" + encodeURIComponent(run.name) + "/samples/" + encodeURIComponent(sample.file), undefined, true)
        .then((b) => b.text()).then((t) => { pre.textContent = t; });
      fig.appendChild(pre);
    }
    fig.appendChild(cap);
    box.appendChild(fig);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("compare").addEventListener("click", () => compare().catch((e) => studio.showError(e.message)));
  $("sample-slider").addEventListener("input", drawSamples);
  loadList().catch((e) => studio.showError(e.message));
});
