// The Create page: pick a run and checkpoint, sample with a seed, class, truncation and locked latent
// dimensions; walk between two latents with a slider; download the PNG or a GIF of the walk; for stylegan2 runs,
// mix the coarse styles of the sample seed with the fine styles of another (truncation is then psi in W; the
// crossover is bounded by the run's number of style inputs). Text2image runs get the prompt box (prompt.js).
// The server does the work as jobs (progress bars here); results are images.
"use strict";

const $ = (id) => document.getElementById(id);
const create = { runs: [], sampleUrl: null, walkFrames: [], sampling: false, again: false, mixUrl: null,
  styleBased: false };
window.studioCreate = create; // for the end-to-end tests

function request(action) {
  const label = $("label").value, checkpoint = $("checkpoint").value;
  return {
    run: $("run").value, checkpoint: checkpoint === "" ? null : Number(checkpoint), action: action,
    seed: Number($("seed").value), seed_b: Number($(action === "mix" ? "mix-seed" : "seed_b").value),
    n: Number($("n").value), crossover: $("crossover").value === "" ? null : Number($("crossover").value),
    label: label === "" ? null : Number(label), locked: $("locked").value, steps: Number($("steps").value),
    truncation: $("use-truncation").checked ? Number($("truncation").value) : null,
  };
}

async function loadRuns() {
  const data = await studio.api("GET", "/api/runs");
  const runs = data.runs.filter((r) => (r.family === "image" || studioFill.fills(r) || studioPrompt.draws(r)) &&
    r.checkpoints > 0);
  create.runs = runs;
  if (!runs.length) {
    studio.showError("no run with a checkpoint in " + data.runs_dir + ": train one with `ganforge train --out " +
      data.runs_dir + "`, then reload");
    return;
  }
  $("run").innerHTML = "";
  for (const run of runs) $("run").add(new Option(run.name + " (" + run.model + ", step " + run.step + ")", run.name));
  const wanted = new URLSearchParams(location.search).get("run");
  if (wanted && runs.some((r) => r.name === wanted)) $("run").value = wanted;
  await loadRun();
}

async function loadRun() {
  const chosen = create.runs.find((r) => r.name === $("run").value);
  const filling = studioFill.show(chosen, $("checkpoint"));   // a MaskGAN run: the fill box instead of images
  if (studioPrompt.show(chosen, $("checkpoint")) || filling) return;   // a text2image run: the prompt box
  create.styleBased = Boolean(chosen && chosen.model === "stylegan2");   // a mapping network: mixing, psi in W
  $("mix-controls").hidden = $("mix-view").hidden = !create.styleBased;
  truncationText();
  const run = await studio.api("GET", "/api/runs/" + encodeURIComponent($("run").value) + "?since_stats=1000000000");
  const usable = run.checkpoints.filter((c) => c.ok);
  $("checkpoint").innerHTML = "";
  $("checkpoint").add(new Option("newest", ""));
  for (const c of usable.slice().reverse()) $("checkpoint").add(new Option("step " + c.step, String(c.step)));
  const classes = usable.length ? usable[usable.length - 1].num_classes : 0;
  $("label").innerHTML = "";
  $("label").add(new Option(classes ? "random" : "random (not conditional)", ""));
  for (let k = 0; k < classes; k++) $("label").add(new Option("class " + k, String(k)));
  $("label").disabled = !classes;
  create.latentDim = usable.length ? usable[usable.length - 1].latent_dim : null;
  create.styleLayers = usable.length ? usable[usable.length - 1].style_layers : null;
  if (create.styleLayers) {
    $("crossover").max = create.styleLayers;
    $("crossover").placeholder = "half (0-" + create.styleLayers + ")";
    boundCrossover();
  }
  $("locked").placeholder = create.latentDim ? "e.g. 0-" + Math.floor(create.latentDim / 2 - 1) +
    " (of 0-" + (create.latentDim - 1) + ")" : "";
  await sample();
}

// One sample job at a time; a change made while one runs asks for one more afterwards.
async function sample() {
  if (create.sampling) { create.again = true; return; }
  create.sampling = true;
  $("sample").disabled = true;
  try {
    const req = request("sample");
    const { job, blob } = await studio.runJob(req, "sample-progress");
    if (create.sampleUrl) URL.revokeObjectURL(create.sampleUrl);
    create.sampleUrl = URL.createObjectURL(blob);
    $("sample-image").src = create.sampleUrl;
    $("sample-image").dataset.label = req.label === null ? "" : String(req.label);
    $("sample-image").dataset.seed = String(req.seed);
    const link = $("download-png");
    link.href = "/api/jobs/" + job.id + "/result?download=1";
    link.setAttribute("download", job.filename);
    link.classList.remove("disabled");
    $("sample-caption").textContent = req.n + " samples · seed " + req.seed +
      (req.label === null ? "" : " · class " + req.label) + (req.truncation ? " · truncation " + req.truncation : "") +
      (req.locked ? " · locked " + req.locked : "");
    studio.clearError();
  } catch (e) {
    studio.showError(e.message);
  } finally {
    create.sampling = false;
    $("sample").disabled = false;
    if (create.again) { create.again = false; sample(); }
  }
}

// keep the crossover a whole number in 0..the run's style inputs (typing 12 of 8 gives 8)
function boundCrossover() {
  const input = $("crossover");
  if (input.value === "") return;
  const v = Math.round(Number(input.value));
  input.value = String(Math.min(Math.max(Number.isFinite(v) ? v : 0, 0), Number(input.max)));
}

function truncationText() {
  $("truncation-value").textContent = (create.styleBased ? "psi = " : "|z| ≤ ") + $("truncation").value;
}

async function mix() {
  $("mix").disabled = true;
  try {
    const { blob } = await studio.runJob(request("mix"), "mix-progress");
    if (create.mixUrl) URL.revokeObjectURL(create.mixUrl);
    create.mixUrl = URL.createObjectURL(blob);
    $("mix-image").src = create.mixUrl;
    studio.clearError();
  } catch (e) {
    studio.showError(e.message);
  } finally {
    $("mix").disabled = false;
  }
}

async function walk() {
  $("walk").disabled = true;
  try {
    const { blob } = await studio.runJob(request("walk"), "walk-progress");
    create.walkFrames = JSON.parse(await blob.text()).frames;
    const slider = $("walk-slider");
    slider.max = create.walkFrames.length - 1;
    slider.value = 0;
    slider.disabled = false;
    showFrame();
    $("download-gif").disabled = false;
    studio.clearError();
  } catch (e) {
    studio.showError(e.message);
  } finally {
    $("walk").disabled = false;
  }
}

function showFrame() {
  const i = Number($("walk-slider").value);
  $("walk-image").src = create.walkFrames[i];
  $("walk-image").hidden = false;
  $("walk-caption").textContent = "frame " + (i + 1) + " of " + create.walkFrames.length + ": seed " +
    $("seed").value + " → seed " + $("seed_b").value;
}

async function downloadGif() {
  $("download-gif").disabled = true;
  try {
    const { job } = await studio.runJob(request("gif"), "walk-progress");
    const a = document.createElement("a");
    a.href = "/api/jobs/" + job.id + "/result?download=1";
    a.download = job.filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
  } catch (e) {
    studio.showError(e.message);
  } finally {
    $("download-gif").disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("run").addEventListener("change", () => loadRun().catch((e) => studio.showError(e.message)));
  for (const id of ["seed", "n", "label", "use-truncation", "truncation", "locked"]) {
    $(id).addEventListener("change", sample);
  }
  $("checkpoint").addEventListener("change", () =>
    (studioFill.active ? studioFill.fill() : studioPrompt.active ? studioPrompt.draw() : sample()));
  $("crossover").addEventListener("input", boundCrossover);
  $("use-truncation").addEventListener("change", () => { $("truncation").disabled = !$("use-truncation").checked; });
  $("truncation").addEventListener("input", truncationText);
  $("mix").addEventListener("click", mix);
  $("dice").addEventListener("click", () => { $("seed").value = Math.floor(Math.random() * 1e6); sample(); });
  $("sample").addEventListener("click", sample);
  $("walk").addEventListener("click", walk);
  $("walk-slider").addEventListener("input", showFrame);
  $("download-gif").addEventListener("click", downloadGif);
  loadRuns().catch((e) => studio.showError(e.message));
});
