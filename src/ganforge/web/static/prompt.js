// The Create page's prompt box: when the chosen run is a text2image (StackGAN) run, the image controls give
// way to a prompt, a few example prompts to click (GET /api/create/prompt?run=...), a stage choice (1 or the
// run's last) and Generate, which draws the grid through POST /api/create/prompt (the same images as
// `ganforge sample RUN --prompt TEXT --seed S [--stage 1]`). The server's one-line error (an unknown word, an
// empty prompt) is shown under the prompt.
"use strict";

const studioPrompt = { active: false, run: null, busy: false, again: false, results: 0, last: null };
window.studioPrompt = studioPrompt; // for the end-to-end tests

studioPrompt.draws = (run) => Boolean(run && run.family === "text2image");

// Show the prompt box for a text2image run (hiding the image controls); hide it otherwise. Returns whether shown.
studioPrompt.show = function (run, checkpointSelect) {
  const el = (id) => document.getElementById(id);
  studioPrompt.active = studioPrompt.draws(run);
  el("prompt-controls").hidden = el("prompt-view").hidden = !studioPrompt.active;
  if (!studioPrompt.active) return false;
  el("image-controls").hidden = el("image-view").hidden = true;
  studioPrompt.run = run.name;
  el("prompt-error").textContent = "";
  Promise.all([
    studio.api("GET", "/api/runs/" + encodeURIComponent(run.name) + "?since_stats=1000000000"),
    studio.api("GET", "/api/create/prompt?run=" + encodeURIComponent(run.name)),
  ]).then(([detail, info]) => {
    if (studioPrompt.run !== run.name) return;
    checkpointSelect.innerHTML = "";
    checkpointSelect.add(new Option("newest", ""));
    for (const c of detail.checkpoints.filter((c) => c.ok).reverse()) {
      checkpointSelect.add(new Option("step " + c.step, String(c.step)));
    }
    const stage = el("prompt-stage");
    stage.innerHTML = "";
    for (const s of info.stages) {
      const size = s === 1 ? info.stage1_size : 64;
      stage.add(new Option("stage " + (s === 1 ? "I" : "II") + (size ? " (" + size + " px)" : ""), String(s)));
    }
    stage.value = String(info.stages[info.stages.length - 1]);
    const list = el("prompt-examples");
    list.innerHTML = "";
    for (const text of info.examples) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "secondary suggestion";
      b.textContent = text;   // text, never markup
      b.addEventListener("click", () => { el("prompt-text").value = text; studioPrompt.draw(); });
      list.appendChild(b);
    }
    if (!el("prompt-text").value && info.examples.length) el("prompt-text").value = info.examples[0];
    studioPrompt.ready = run.name;
  }).catch((e) => { el("prompt-error").textContent = e.message; });
  return true;
};

// One drawing at a time; a change made while one runs asks for one more afterwards.
studioPrompt.draw = async function () {
  const el = (id) => document.getElementById(id);
  if (!studioPrompt.active) return;
  if (studioPrompt.busy) { studioPrompt.again = true; return; }
  studioPrompt.busy = true;
  el("prompt-generate").disabled = true;
  el("prompt-progress").hidden = false;
  try {
    const checkpoint = el("checkpoint").value, text = el("prompt-text").value;
    const reply = await studio.api("POST", "/api/create/prompt", {
      run: studioPrompt.run, checkpoint: checkpoint === "" ? null : Number(checkpoint), prompt: text,
      n: Number(el("prompt-n").value), seed: Number(el("prompt-seed").value), stage: Number(el("prompt-stage").value),
    });
    el("prompt-image").src = reply.image;
    el("prompt-image").hidden = false;
    el("prompt-caption").textContent = "“" + text + "” · stage " + reply.stage + " · step " + reply.step +
      " · seed " + el("prompt-seed").value;
    el("prompt-error").textContent = "";
    studioPrompt.last = reply;
    studioPrompt.results += 1;
  } catch (e) {
    el("prompt-error").textContent = e.message;   // the server's one line, under the prompt
  } finally {
    studioPrompt.busy = false;
    el("prompt-generate").disabled = false;
    el("prompt-progress").hidden = true;
    if (studioPrompt.again) { studioPrompt.again = false; studioPrompt.draw(); }
  }
};

document.addEventListener("DOMContentLoaded", () => {
  const el = (id) => document.getElementById(id);
  el("prompt-generate").addEventListener("click", studioPrompt.draw);
  el("prompt-image").addEventListener("load", (e) => {   // shown enlarged, pixels kept sharp (class "pixels")
    e.target.style.width = Math.min(4 * e.target.naturalWidth, 960) + "px";
  });
  el("prompt-text").addEventListener("keydown", (e) => { if (e.key === "Enter") studioPrompt.draw(); });
  for (const id of ["prompt-n", "prompt-seed", "prompt-stage"]) el(id).addEventListener("change", studioPrompt.draw);
});
