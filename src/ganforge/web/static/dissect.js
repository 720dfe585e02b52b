// The Dissect page: pick an image run and a concept, brush a region on a sample; the server switches the
// concept's top units on (or off) in that region and returns the new image (GANPaint, Bau et al. 2019).
"use strict";

const $ = (id) => document.getElementById(id);
const dis = { info: null, mask: null, h: 0, w: 0, original: null, result: null, busy: false, again: false };
window.studioDissect = dis; // for the end-to-end tests

function request() {
  const label = $("label").value;
  return {
    run: $("run").value, concept: $("concept").value, mode: $("mode-off").checked ? "off" : "on",
    seed: Number($("seed").value), label: label === "" ? null : Number(label), units: Number($("units").value),
    strength: Number($("strength").value), mask: Array.from(dis.mask),
  };
}

async function loadRuns() {
  const data = await studio.api("GET", "/api/runs");
  const runs = data.runs.filter((r) => r.family === "image" && r.checkpoints > 0);
  if (!runs.length) {
    studio.showError("no image run with a checkpoint in " + data.runs_dir + ": train one with `ganforge train dcgan " +
      "--out " + data.runs_dir + "`, then reload");
    return;
  }
  $("run").innerHTML = "";
  for (const run of runs) $("run").add(new Option(run.name + " (" + run.model + ", step " + run.step + ")", run.name));
  const wanted = new URLSearchParams(location.search).get("run");
  if (wanted && runs.some((r) => r.name === wanted)) $("run").value = wanted;
  await prepareRun();
}

async function prepareRun() {
  dis.info = null;
  $("dissect-status").textContent = "dissecting the generator's units on 256 samples…";
  try {
    dis.info = await studio.api("POST", "/api/dissect/prepare", { run: $("run").value });
    studio.clearError();
  } catch (e) {
    $("dissect-status").textContent = "";
    studio.showError(e.message);
    return;
  }
  const info = dis.info;
  $("concept").innerHTML = "";
  for (const c of info.concepts) $("concept").add(new Option(c.replace(/_/g, " "), c));
  $("label").innerHTML = "";
  $("label").add(new Option(info.num_classes ? "random" : "random (not conditional)", ""));
  for (let k = 0; k < info.num_classes; k++) $("label").add(new Option("class " + k, String(k)));
  $("label").disabled = !info.num_classes;
  [dis.h, dis.w] = info.image_size;
  dis.mask = new Float32Array(dis.h * dis.w);
  $("dissect-status").textContent = info.model + " at step " + info.step + " · concepts by " + info.segmenter +
    " · layers " + info.layers.join(", ");
  showUnits();
  await apply();
}

function showUnits() {
  const top = dis.info.top_units[$("concept").value];
  $("units-caption").textContent = "top units of “" + $("concept").value + "” in " + top.layer + ": " +
    top.units.map((u) => "#" + u[0] + " (IoU " + u[1].toFixed(3) + ")").join(", ");
}

// One request at a time; a change made while one runs asks for one more afterwards.
async function apply() {
  if (!dis.info) return;
  if (dis.busy) { dis.again = true; return; }
  dis.busy = true;
  try {
    const result = await studio.api("POST", "/api/dissect/paint", request());
    dis.result = result;
    const img = new Image();
    img.onload = () => { if (dis.result === result) { dis.original = img; draw(); } };  // an older reply: ignore
    img.src = result.original;
    $("edited").src = result.edited;
    $("edited").dataset.painted = String(result.painted);
    const pct = (v) => (100 * v).toFixed(1) + " %";
    $("result-caption").textContent = result.painted === 0 ? "brush a region on the sample" :
      (result.mode === "on" ? "switched on" : "switched off") + " units " + result.units.map((u) => "#" + u).join(" ") +
      " of " + result.layer + " in " + result.painted + " pixels · " + result.concept.replace(/_/g, " ") +
      " in the region: " + pct(result.area_before) + " → " + pct(result.area_after) + " · pixels changed: " +
      result.changed_inside + " inside, " + result.changed_outside + " outside";
    studio.clearError();
  } catch (e) {
    studio.showError(e.message);
  } finally {
    dis.busy = false;
    if (dis.again) { dis.again = false; apply(); }
  }
}

// ------------------------------------------------------------------ the canvas: the sample and the brush
function draw() {
  const canvas = $("canvas"), ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (dis.original) ctx.drawImage(dis.original, 0, 0, canvas.width, canvas.height);
  const cw = canvas.width / dis.w, ch = canvas.height / dis.h;
  ctx.fillStyle = "rgba(255, 120, 40, 0.45)";
  for (let y = 0; y < dis.h; y++) {
    for (let x = 0; x < dis.w; x++) if (dis.mask[y * dis.w + x] > 0) ctx.fillRect(x * cw, y * ch, cw, ch);
  }
}

function brushAt(event) {
  const canvas = $("canvas"), box = canvas.getBoundingClientRect();
  const cx = ((event.clientX - box.left) / box.width) * dis.w, cy = ((event.clientY - box.top) / box.height) * dis.h;
  const r = Number($("brush").value);
  for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++) {
    for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++) {
      if (x < 0 || y < 0 || x >= dis.w || y >= dis.h) continue;
      if (Math.hypot(x + 0.5 - cx, y + 0.5 - cy) <= r + 0.5) dis.mask[y * dis.w + x] = 1;
    }
  }
  draw();
}

function setUpBrush() {
  const canvas = $("canvas");
  let down = false;
  canvas.addEventListener("pointerdown", (e) => {
    if (!dis.mask) return;
    down = true;
    canvas.setPointerCapture(e.pointerId);
    brushAt(e);
  });
  canvas.addEventListener("pointermove", (e) => { if (down) brushAt(e); });
  const up = () => { if (!down) return; down = false; apply(); };
  canvas.addEventListener("pointerup", up);
  canvas.addEventListener("pointercancel", up);
  $("clear").addEventListener("click", () => { if (dis.mask) { dis.mask.fill(0); draw(); apply(); } });
}

// ------------------------------------------------------------------ start
async function start() {
  setUpBrush();
  $("run").addEventListener("change", prepareRun);
  $("concept").addEventListener("change", () => { showUnits(); apply(); });
  for (const id of ["mode-on", "mode-off", "units", "strength", "seed", "label"]) $(id).addEventListener("change", apply);
  $("next").addEventListener("click", () => { $("seed").value = Number($("seed").value) + 1; apply(); });
  await loadRuns();
  document.body.dataset.ready = "1";
}

document.addEventListener("DOMContentLoaded", () => start().catch((e) => studio.showError(e.message)));
