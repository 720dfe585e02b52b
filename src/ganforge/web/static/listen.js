// The Listen page: play an audio run's samples (plain <audio> players, WAV served by the studio) and show
// their spectrograms; Generate samples fresh clips of the newest checkpoint (same n, seed, label: same clips).
"use strict";

const $ = (id) => document.getElementById(id);
const listen = { runs: [], loaded: 0 };
window.studioListen = listen; // for the end-to-end tests

function currentRun() {
  return listen.runs.find((r) => r.name === $("run").value);
}

async function loadRuns() {
  const data = await studio.api("GET", "/api/listen/runs");
  listen.runs = data.runs;
  $("run").innerHTML = "";
  if (!listen.runs.length) {
    studio.showError("no audio run here: build clips with `ganforge data build notes --out DIR`, train with " +
      "`ganforge train wavegan --data DIR`, then reload");
    return;
  }
  for (const run of listen.runs) $("run").add(new Option(run.name + " (" + run.model + ", step " + run.step + ")", run.name));
  const wanted = new URLSearchParams(location.search).get("run");
  if (wanted && listen.runs.some((r) => r.name === wanted)) $("run").value = wanted;
  pickRun();
}

function sampleUrl(run, file) {
  return "/api/listen/" + encodeURIComponent(run.name) + "/samples/" + encodeURIComponent(file);
}

function pickRun() {
  const run = currentRun();
  $("run-caption").textContent = run.model + " on " + (run.data || "?") + ", " + run.length + " samples at " +
    run.sample_rate + " Hz" + (run.conditional ? ", conditional" : "");
  $("label").innerHTML = "";
  $("label").add(new Option(run.conditional ? "any (random)" : "none (not conditional)", ""));
  // a label is the class name when the classes are numbers (pitches, digits), else its index (as `ganforge sample`)
  const classes = run.classes || [], named = classes.every((c) => /^-?\d+$/.test(c));
  classes.forEach((c, i) => $("label").add(new Option(c, named ? c : String(i))));
  $("label").disabled = !run.conditional;
  const box = $("timeline");
  box.innerHTML = "";
  for (const s of run.samples.slice().reverse()) {
    const row = document.createElement("div");
    row.className = "listen-sample";
    const title = document.createElement("h3");
    title.textContent = "step " + s.step;
    const player = document.createElement("audio");
    player.controls = true;
    player.preload = "metadata";
    player.src = sampleUrl(run, s.wav);
    row.append(title, player);
    if (s.png) {
      const img = document.createElement("img");
      img.src = sampleUrl(run, s.png);
      img.alt = "spectrograms at step " + s.step;
      row.append(img);
    }
    box.append(row);
  }
  if (!run.samples.length) box.textContent = "no samples yet";
}

function generate() {
  const run = currentRun();
  if (!run) return;
  const q = new URLSearchParams({ n: $("count").value, seed: $("seed").value, label: $("label").value });
  const base = "/api/listen/" + encodeURIComponent(run.name) + "/generate.";
  const audio = $("fresh-audio"), img = $("fresh-spectrogram");
  $("fresh-caption").textContent = "sampling ...";
  audio.onloadedmetadata = () => {
    listen.loaded += 1;
    $("fresh-caption").textContent = $("count").value + " clips of " + run.name + " (seed " + $("seed").value +
      "), " + audio.duration.toFixed(2) + " s";
  };
  audio.onerror = async () => {
    // the player hides the server's message: ask again through the API to show it
    try { await studio.api("GET", base + "wav?" + q); } catch (e) { studio.showError(e.message); }
    $("fresh-caption").textContent = "could not sample";
  };
  audio.src = base + "wav?" + q;
  img.src = base + "png?" + q;
  img.hidden = false;
}

$("run").addEventListener("change", pickRun);
$("generate").addEventListener("click", generate);
loadRuns().catch((e) => studio.showError(e.message));
