// The Runs page: every run of the runs folder, of any family; for the chosen one its config, curves and
// samples on a timeline. Curves: the training statistics of stats.jsonl, one chart per key prefix
// ("loss/d", "loss/g" -> "loss"; "adversarial/g_loss" -> "adversarial"), and every evaluation metric of
// metrics.jsonl (its rows' "values": FID, KID, ..., nll_gen, ...), one chart each. Samples are image
// grids (step_N.png), clips of video runs (step_N.gif in the image, step_N.mp4 in a looping video) or text
// (step_N.txt, shown with textContent). Polls every 2 s, fetching only new
// lines, so it follows a run while it trains.
"use strict";

const $ = (id) => document.getElementById(id);
const view = { name: null, stats: [], metrics: [], statsLines: 0, metricsLines: 0, steps: [], samples: [],
  charts: [], loaded: false };
window.studioRuns = view; // for the end-to-end tests

const POLL_MS = 2000;
const ROW_KEYS = new Set(["step", "time", "phase"]);
const FIRST_GROUPS = ["loss"], LAST_GROUPS = ["grad_norm", "speed"]; // the other charts come in between
const STATS_TITLE = "statistics"; // the chart of keys without a prefix (D(x), d_accuracy, ...)

async function refreshList() {
  const data = await studio.api("GET", "/api/runs");
  $("runs-dir").textContent = data.runs_dir;
  const list = $("runs");
  list.innerHTML = "";
  if (data.runs.length === 0) {
    list.innerHTML = "<li class='muted'>no runs yet</li>";
  }
  for (const run of data.runs) {
    const li = document.createElement("li");
    li.dataset.name = run.name;
    li.classList.toggle("selected", run.name === view.name);
    const name = document.createElement("div");
    name.className = "name";
    name.textContent = run.name;
    if (run.live) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = "training";
      name.appendChild(badge);
    }
    const meta = document.createElement("div");
    meta.className = "notice";
    meta.textContent = (run.model || "?") + " · step " + run.step + " · " + run.samples + " samples";
    li.append(name, meta);
    li.addEventListener("click", () => select(run.name));
    list.appendChild(li);
  }
  if (!view.name && data.runs.length) select(decodeURIComponent(location.hash.slice(1)) || data.runs[0].name);
}

function select(name) {
  if (name === view.name) return;
  Object.assign(view, { name: name, stats: [], metrics: [], statsLines: 0, metricsLines: 0, steps: [], samples: [],
    loaded: false });
  history.replaceState(null, "", "#" + encodeURIComponent(name));
  document.querySelectorAll("#runs li").forEach((li) => li.classList.toggle("selected", li.dataset.name === name));
  refreshRun().catch((e) => studio.showError(e.message));
}

async function refreshRun() {
  if (!view.name) return;
  const name = view.name;
  const url = "/api/runs/" + encodeURIComponent(name) + "?since_stats=" + view.statsLines +
    "&since_metrics=" + view.metricsLines;
  const run = await studio.api("GET", url);
  if (name !== view.name) return; // the user picked another run meanwhile
  view.stats = run.stats_from === 0 ? run.stats : view.stats.concat(run.stats);
  view.metrics = run.metrics_from === 0 ? run.metrics : view.metrics.concat(run.metrics);
  view.statsLines = run.stats_lines;
  view.metricsLines = run.metrics_lines;
  view.markers = studio.eventMarkers(run.events);
  $("no-run").hidden = true;
  $("run-body").hidden = false;
  $("run-title").textContent = run.name;
  $("run-meta").textContent = [run.model, run.data, "step " + run.step, run.checkpoints.length + " checkpoints",
    "created " + run.created, run.live ? "training now" : "idle"].filter(Boolean).join(" · ");
  $("run-config").textContent = run.config;
  drawCurves();
  updateTimeline(run.sample_files);
  if (!view.loaded) showViews(name).catch((e) => studio.showError(e.message));
  view.loaded = true;
}

// ------------------------------------------------------------------ evaluation views (eval/views of `ganforge eval --views`)
async function showViews(name) {
  const res = await fetch("/api/runs/" + encodeURIComponent(name) + "/views");
  if (name !== view.name) return;
  $("eval-views").hidden = !res.ok;
  if (!res.ok) return; // no views written for this run
  const views = await res.json();
  const summary = $("views-summary"), grids = $("views-grids");
  summary.replaceChildren();
  grids.replaceChildren();
  const item = (text) => { const li = document.createElement("li"); li.textContent = text; summary.appendChild(li); };
  const grid = (title, part) => {
    if (!part || !part.url) return;
    const figure = document.createElement("figure"), img = document.createElement("img"),
      caption = document.createElement("figcaption");
    img.src = part.url;
    img.className = "pixels";
    img.alt = title;
    caption.textContent = title;
    figure.append(img, caption);
    grids.appendChild(figure);
  };
  item(views.samples + " samples of " + views.source);
  for (const [extractor, share] of Object.entries(views.confident || {})) {
    item(extractor + ": " + (100 * share).toFixed(1) + "% read with max softmax > " + views.threshold);
  }
  const n = views.neighbours;
  if (n) {
    item("nearest training neighbours in " + n["in"] + " (" + n.extractor + " features): " + n.exact_copies +
      " pixel-exact copies, median distance " + Number(n.median_nearest_distance).toPrecision(3));
    grid("nearest training neighbours (" + n.extractor + "): each sample, then its 3 nearest training images", n);
  }
  for (const [extractor, part] of Object.entries(views.worst || {})) {
    grid("worst samples by " + extractor + ": lowest realism score first", part);
  }
}

// ------------------------------------------------------------------ curves
function numericKeys(objects) {
  const keys = [];
  for (const o of objects) {
    for (const [k, v] of Object.entries(o || {})) {
      if (!ROW_KEYS.has(k) && (typeof v === "number" || v === null) && !keys.includes(k)) keys.push(k);
    }
  }
  return keys.filter((k) => objects.some((o) => o && typeof o[k] === "number"));
}

// The chart a stats key goes in, and its name there: "loss/d" -> ["loss", "d"]; "images_per_s" -> speed.
function statsGroup(key) {
  const slash = key.indexOf("/");
  if (slash > 0) return [key.slice(0, slash), key.slice(slash + 1)];
  return [/_per_s$/.test(key) ? "speed" : STATS_TITLE, key];
}

function lineSeries(rows, keys, get) {
  return keys.map((k, i) => ({
    name: k.label, color: studio.COLORS[i % studio.COLORS.length],
    points: rows.map((r) => [r.step, get(r, k.key)]).filter((p) => p[1] !== undefined),
  }));
}

// [{id, title, series}] of the run's rows: stats by prefix (losses first), then one per metric.
function charts() {
  const groups = new Map();
  for (const key of numericKeys(view.stats)) {
    const [group, label] = statsGroup(key);
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push({ key: key, label: label });
  }
  const rank = (g) => FIRST_GROUPS.includes(g) ? 0 : 2 + LAST_GROUPS.indexOf(g); // stable: else as they come
  const order = [...groups.keys()].sort((a, b) => rank(a) - rank(b));
  const out = order.map((g) => ({ id: "curve-" + g, title: g, kind: "stats",
    series: lineSeries(view.stats, groups.get(g), (r, k) => r[k]) }));
  const values = view.metrics.map((r) => r.values);
  for (const key of numericKeys(values).filter((k) => !k.endsWith("_std"))) {
    out.push({ id: "metric-" + key, title: "eval: " + key, kind: "metrics",
      series: lineSeries(view.metrics, [{ key: key, label: key }], (r, k) => (r.values || {})[k]) });
  }
  return out;
}

function chartCanvas(container, chart) {
  const id = chart.id.replace(/[^A-Za-z0-9_-]/g, "_");
  let canvas = document.getElementById(id);
  if (!canvas) {
    canvas = document.createElement("canvas");
    canvas.id = id;
    canvas.width = 460;
    canvas.height = 170;
  }
  container.appendChild(canvas); // (again): the canvases follow the charts' order
  return canvas;
}

function drawCurves() {
  view.charts = charts();
  for (const kind of ["stats", "metrics"]) {
    const container = $(kind + "-curves"), shown = view.charts.filter((c) => c.kind === kind);
    const keep = new Set(shown.map((chart) => {
      const canvas = chartCanvas(container, chart);
      canvas.setAttribute("aria-label", chart.title + ": " + chart.series.map((s) => s.name).join(", "));
      studio.lineChart(canvas, chart.series, chart.title, view.markers);
      return canvas;
    }));
    [...container.querySelectorAll("canvas")].filter((c) => !keep.has(c)).forEach((c) => c.remove());
  }
  $("no-stats").hidden = view.charts.some((c) => c.kind === "stats");
  $("no-metrics").hidden = view.charts.some((c) => c.kind === "metrics");
}

// ------------------------------------------------------------------ samples
function updateTimeline(samples) {
  const slider = $("timeline");
  const atEnd = Number(slider.value) >= view.samples.length - 1;
  const changed = samples.length !== view.samples.length || !view.loaded;
  view.samples = samples;
  view.steps = samples.map((s) => s.step);
  slider.max = Math.max(0, samples.length - 1);
  if (!changed) return;
  if (!view.loaded || ($("follow").checked && atEnd)) slider.value = slider.max;
  showSample();
}

let shownText = 0; // the newest text request: an older answer arriving late is dropped

async function showSample() {
  const i = Number($("timeline").value), sample = view.samples[i];
  const img = $("timeline-image"), text = $("timeline-text"), video = $("timeline-video");
  if (sample === undefined) {
    img.removeAttribute("src");
    img.hidden = false;
    text.hidden = true;
    video.hidden = true;
    $("timeline-step").textContent = "no samples yet";
    return;
  }
  $("timeline-step").textContent = "step " + sample.step + " (" + (i + 1) + " of " + view.samples.length + ")";
  const url = "/api/runs/" + encodeURIComponent(view.name) + "/samples/" + encodeURIComponent(sample.file);
  img.hidden = sample.kind !== "image";
  text.hidden = sample.kind !== "text";
  video.hidden = sample.kind !== "video";
  if (sample.kind === "image") {  // a grid, or an animated GIF of clips
    img.src = url;
    return;
  }
  img.removeAttribute("src");
  if (sample.kind === "video") {  // MP4 clips of a video run: played in a loop
    if (video.getAttribute("src") !== url) video.src = url;
    return;
  }
  video.removeAttribute("src");
  const ticket = ++shownText;
  const content = await (await studio.api("GET", url, undefined, true)).text();
  if (ticket === shownText) {
    text.textContent = content; // text from a file: never parsed as HTML
    text.dataset.file = sample.file;
  }
}

async function loop() {
  try {
    await refreshList();
    await refreshRun();
  } catch (e) {
    studio.showError(e.message);
  } finally {
    setTimeout(loop, POLL_MS);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("timeline").addEventListener("input", () => showSample().catch((e) => studio.showError(e.message)));
  window.addEventListener("hashchange", () => { if (location.hash.length > 1) select(decodeURIComponent(location.hash.slice(1))); });
  $("timeline-image").addEventListener("error", () => {
    if ($("timeline-image").getAttribute("src")) studio.showError("could not load the sample " +
      $("timeline-image").getAttribute("src") + " (was the file pruned?)");
  });
  loop();
});
