// The Create page's fill box: when the chosen run is a MaskGAN run, the image controls give way to a
// sentence with blanks (___) that the run fills in; the filled-in words are marked. Answers come from
// POST /api/fill (the same fillings as `ganforge sample RUN --fill TEXT --seed S`).
"use strict";

const studioFill = { active: false, results: 0, busy: false, run: null, last: null };
window.studioFill = studioFill; // for the end-to-end tests

studioFill.fills = (run) => run && run.family === "text" && run.model === "maskgan";

// Show the fill box for a MaskGAN run (and fill once); hide it otherwise. Returns whether it is shown.
studioFill.show = function (run, checkpointSelect) {
  const el = (id) => document.getElementById(id);
  studioFill.active = studioFill.fills(run);
  el("fill-controls").hidden = el("fill-view").hidden = !studioFill.active;
  el("image-controls").hidden = el("image-view").hidden = studioFill.active;
  if (!studioFill.active) return false;
  studioFill.run = run.name;
  studio.api("GET", "/api/runs/" + encodeURIComponent(run.name) + "?since_stats=1000000000").then((detail) => {
    checkpointSelect.innerHTML = "";
    checkpointSelect.add(new Option("newest", ""));
    for (const c of detail.checkpoints.filter((c) => c.ok).reverse()) {
      checkpointSelect.add(new Option("step " + c.step, String(c.step)));
    }
    return studioFill.fill();
  }).catch((e) => studio.showError(e.message));
  return true;
};

studioFill.fill = async function () {
  const el = (id) => document.getElementById(id);
  if (!studioFill.active) return;
  studioFill.busy = true;
  el("fill").disabled = true;
  try {
    const checkpoint = el("checkpoint").value;
    const reply = await studio.api("POST", "/api/fill", {
      run: studioFill.run, checkpoint: checkpoint === "" ? null : Number(checkpoint), text: el("fill-text").value,
      n: Number(el("fill-n").value), seed: Number(el("fill-seed").value),
      temperature: Number(el("fill-temperature").value),
    });
    const list = el("fill-results");
    list.innerHTML = "";
    for (const row of reply.fills) {
      const item = document.createElement("li");
      row.forEach(([word, filled], i) => {
        if (i) item.appendChild(document.createTextNode(" "));
        if (filled) {
          const mark = document.createElement("mark");
          mark.textContent = word;    // text, never markup
          item.appendChild(mark);
        } else {
          item.appendChild(document.createTextNode(word));
        }
      });
      list.appendChild(item);
    }
    studioFill.last = reply;
    el("fill-caption").textContent = reply.fills.length + " fillings · step " + reply.step + " · seed " +
      el("fill-seed").value + " · filled-in words are marked";
    studioFill.results += 1;
    studio.clearError();
  } catch (e) {
    studio.showError(e.message);
  } finally {
    studioFill.busy = false;
    el("fill").disabled = false;
  }
};

document.addEventListener("DOMContentLoaded", () => {
  const el = (id) => document.getElementById(id);
  el("fill").addEventListener("click", studioFill.fill);
  el("fill-text").addEventListener("keydown", (e) => { if (e.key === "Enter") studioFill.fill(); });
  for (const id of ["fill-n", "fill-seed", "fill-temperature"]) el(id).addEventListener("change", studioFill.fill);
});
