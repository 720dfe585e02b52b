// The Runs page: every run of the runs folder; for the chosen one its config, curves (stats.jsonl,
// metrics.jsonl) and sample grids on a timeline. Polls every 2 s, fetching only new lines, so it
// follows a run while it trains.
"use strict";

const $ = (id) => document.getElementById(id);
const view = { name: null, stats: [], metrics: [], statsLines: 0, metricsLines: 0, steps: [], loaded: false };
window.studioRuns = view; // for the end-to-end tests

const POLL_MS = 2000;

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
    meta.textContent = (run.model || "?") + " · step " + run.step + " · " + run.samples + " grids";
    li.append(name, meta);
    li.addEventListener("click", () => select(run.name));
    list.appendChild(li);
  }
  if (!view.name && data.runs.length) select(decodeURIComponent(location.hash.slice(1)) || data.runs[0].name);
}

function select(name) {
  if (name === view.name) return;
  Object.assign(view, { name: name, stats: [], metrics: [], statsLines: 0, metricsLines: 0, steps: [], loaded: false });
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
  $("no-run").hidden = true;
  $("run-body").hidden = false;
  $("run-title").textContent = run.name;
  $("run-meta").textContent = [run.model, run.data, "step " + run.step, run.checkpoints.length + " checkpoints",
    "created " + run.created, run.live ? "training now" : "idle"].filter(Boolean).join(" · ");
  $("run-config").textContent = run.config;
  drawCurves();
  updateTimeline(run.sample_steps);
  view.loaded = true;
}

function series(rows, keys) {
  return keys.filter((k) => rows.some((r) => k in r)).map((k, i) => ({
    name: k, color: studio.COLORS[i % studio.COLORS.length],
    points: rows.filter((r) => k in r).map((r) => [r.step, r[k]]),
  }));
}

function drawCurves() {
  studio.lineChart($("loss-curve"), series(view.stats, ["loss/d", "loss/g"]), "losses");
  studio.lineChart($("d-curve"), series(view.stats, ["D(x)", "D(G(z))", "d_accuracy"]), "discriminator");
  const metricKeys = [...new Set(view.metrics.flatMap((r) => Object.keys(r)))]
    .filter((k) => k !== "step" && k !== "time" && view.metrics.some((r) => typeof r[k] === "number"));
  studio.lineChart($("metric-curve"), series(view.metrics, metricKeys),
    metricKeys.length ? "metrics" : "metrics (none yet: evaluate with --eval-every)");
}

function updateTimeline(steps) {
  const slider = $("timeline");
  const atEnd = Number(slider.value) >= view.steps.length - 1;
  const changed = steps.length !== view.steps.length || !view.loaded;
  view.steps = steps;
  slider.max = Math.max(0, steps.length - 1);
  if (!changed) return;
  if (!view.loaded || ($("follow").checked && atEnd)) slider.value = slider.max;
  showGrid();
}

function showGrid() {
  const i = Number($("timeline").value), step = view.steps[i];
  const img = $("timeline-image");
  if (step === undefined) {
    img.removeAttribute("src");
    $("timeline-step").textContent = "no sample grids yet";
    return;
  }
  const file = "step_" + String(step).padStart(7, "0") + ".png";
  img.src = "/api/runs/" + encodeURIComponent(view.name) + "/samples/" + file;
  $("timeline-step").textContent = "step " + step + " (" + (i + 1) + " of " + view.steps.length + ")";
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
  $("timeline").addEventListener("input", showGrid);
  $("timeline-image").addEventListener("error", () => {
    if ($("timeline-image").getAttribute("src")) studio.showError("could not load the sample grid " +
      $("timeline-image").getAttribute("src") + " (was the file pruned?)");
  });
  loop();
});
