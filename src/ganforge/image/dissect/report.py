"""The dissection report: one self-contained ``index.html`` (images embedded), ``dissection.json`` with every
number, and the figures as PNG files beside them (``ablation.png``, ``ablation-CONCEPT.png``, ``insertion.png``).

The HTML shows the concepts on sample images, per layer the top units of each concept with their IoU,
the thresholded activation maps of the best units on the samples where they fire most, and the
ablation and insertion studies (top units against random draws of as many units).
"""
from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np
import torch

from ganforge.files import atomic_write
from ganforge.image.dissect.intervene import Baseline
from ganforge.image.dissect.units import Dissection, upsampled
from ganforge.media.images import make_grid, png_bytes, save_png

COLORS = {"concept": (230, 60, 40), "unit": (40, 140, 240)}


# ---------------------------------------------------------------------- pictures
def overlay(images: torch.Tensor, masks: np.ndarray, color=COLORS["concept"], alpha: float = 0.55) -> torch.Tensor:
    """uint8 ``[N, 3, H, W]``: the images with the mask pixels tinted."""
    rgb = images.float().expand(-1, 3, -1, -1) if images.shape[1] == 1 else images.float()
    m = torch.as_tensor(np.asarray(masks), dtype=torch.float32)[:, None] * alpha
    tint = torch.tensor(color, dtype=torch.float32)[None, :, None, None]
    return (rgb * (1 - m) + tint * m).round().clamp(0, 255).to(torch.uint8)


def data_uri(array: np.ndarray, scale: int = 3) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(array, scale)).decode("ascii")


def unit_masks(d: Dissection, layer: str, unit: int, index: torch.Tensor) -> np.ndarray:
    """Where unit ``unit`` fires (upsampled map above its threshold) on samples ``index``: bool [n, H, W]."""
    maps = d.maps[layer][index][:, unit:unit + 1]
    up = upsampled(maps, d.images.shape[-2:])[:, 0]
    return (up > d.layers[layer].thresholds[unit]).numpy()


def top_samples(d: Dissection, layer: str, unit: int, n: int) -> torch.Tensor:
    return torch.argsort(d.layers[layer].peak[:, unit], descending=True, stable=True)[:n]


# ---------------------------------------------------------------------- figures beside the HTML
def ablation_samples(base: Baseline, study: Dict[str, Any], n: int = 10) -> np.ndarray:
    """Rows: samples that have the concept, the same with the top units ablated, with a random set ablated;
    the concept's pixels tinted."""
    k = base.concepts.index(study["concept"])
    has = np.flatnonzero(base.masks[:, k].reshape(len(base.masks), -1).any(1))[:n]
    if len(has) == 0:
        has = np.arange(min(n, len(base.images)))
    idx = torch.as_tensor(has)
    rows = [overlay(base.images[idx], base.masks[has, k])]
    for images in (study["top_images"], study["random_images"][0] if study["random_images"] else None):
        if images is None:
            continue
        masks = base.segmenter(images[idx].numpy(), [study["concept"]])[:, 0]
        rows.append(overlay(images[idx], masks))
    return make_grid(torch.cat(rows), nrow=len(has))


def bar_chart(studies: List[Dict[str, Any]], key: str, title: str, path: Path) -> Optional[Path]:
    """Grouped bars: the change of ``key`` for the top units and for random units (mean, error bar = sd)."""
    if not studies:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [s["concept"] for s in studies]
    top = [100 * s["top"][key] for s in studies]
    rand = [[100 * r[key] for r in s["random"]] or [0.0] for s in studies]
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(1.3 * len(names) + 2.5, 3.2), dpi=120)
    ax.bar(x - 0.2, top, 0.4, label=f"top {len(studies[0]['units'])} units of the concept", color="#c2255c")
    ax.bar(x + 0.2, [np.mean(r) for r in rand], 0.4, yerr=[np.std(r) for r in rand], capsize=3,
           label=f"random units ({len(studies[0]['random'])} draws)", color="#868e96")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, names)
    ax.set_ylabel("change (%)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    atomic_write(path, lambda tmp: tmp.write_bytes(buf.getvalue()))
    return path


# ---------------------------------------------------------------------- the HTML
CSS = """body{font:14px system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#1d2330}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #d9dde5}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 8px;border-bottom:1px solid #eceef2;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}img{image-rendering:pixelated;display:block;margin:4px 0}
.bar{display:inline-block;height:9px;background:#3b5bdb;vertical-align:middle;margin-right:6px}
.muted{color:#667085}.unit{display:inline-block;margin:0 14px 10px 0}code{background:#f1f3f5;padding:0 3px}"""


def _e(text: Any) -> str:
    return html.escape(str(text))


def _pct(v: Optional[float]) -> str:
    return "–" if v is None else f"{100 * v:+.1f} %"


def _share(v: Optional[float]) -> str:
    return "–" if v is None else f"{100 * v:.1f} %"


def _img(src: str, alt: str) -> str:
    return f'<img src="{src}" alt="{_e(alt)}">'


def concept_section(d: Dissection, n: int = 10) -> str:
    idx = torch.arange(min(n, d.samples))
    rows = ["<h2>Concepts</h2><p>What the segmenter <code>" + _e(d.segmenter) + "</code> marks (tinted) on the first "
            f"samples; area = share of all pixels of the {d.samples} samples.</p><table>"]
    for k, c in enumerate(d.concepts):
        grid = make_grid(overlay(d.images[idx], d.masks[idx.numpy(), k]), nrow=len(idx))
        rows.append(f"<tr><th>{_e(c)}</th><td class=num>{100 * d.masks[:, k].mean():.1f} %</td>"
                    f"<td>{_img(data_uri(grid), c)}</td></tr>")
    return "".join(rows) + "</table>"


def layer_section(d: Dissection, top: int, examples: int = 6, shown_units: int = 3) -> str:
    out = ["<h2>Units and concepts</h2><p>IoU of each unit's thresholded, upsampled map with each concept's mask over "
           "all samples; the best units of a concept with the samples where they fire most (blue: the unit's "
           "region above its threshold).</p>"]
    for name, r in d.layers.items():
        out.append(f"<h3>layer {_e(r.layer.describe())}</h3><table><tr><th>concept</th><th>top units (IoU)</th></tr>")
        for c in d.concepts:
            cells = " ".join(f'<span class="bar" style="width:{max(1, round(300 * v))}px"></span>'
                             f"#{u} {v:.3f}" if i == 0 else f"· #{u} {v:.3f}"
                             for i, (u, v) in enumerate(d.top_units(c, name, top)))
            out.append(f"<tr><th>{_e(c)}</th><td>{cells}</td></tr>")
        out.append("</table>")
        for c in d.concepts:
            units = d.top_units(c, name, shown_units)
            out.append(f"<p><b>{_e(c)}</b> in {_e(name)}:</p><div>")
            for u, v in units:
                idx = top_samples(d, name, u, examples)
                grid = make_grid(overlay(d.images[idx], unit_masks(d, name, u, idx), COLORS["unit"]), nrow=len(idx))
                out.append(f'<div class="unit">unit {u} (IoU {v:.3f}){_img(data_uri(grid, 2), f"unit {u}")}</div>')
            out.append("</div>")
    return "".join(out)


def study_section(studies: List[Dict[str, Any]], base: Optional[Baseline], title: str, intro: str,
                  key: str, figure: Optional[Path]) -> str:
    if not studies:
        return ""
    out = [f"<h2>{_e(title)}</h2><p>{intro}</p>"]
    if figure:
        uri = "data:image/png;base64," + base64.b64encode(Path(figure).read_bytes()).decode("ascii")
        out.append(f'<img src="{uri}" alt="{_e(title)} chart">')
    out.append("<table><tr><th>concept</th><th>layer</th><th>units</th><th>images with it: top</th>"
               "<th>random (each draw)</th><th>area: top</th><th>random mean</th><th>labels changed: top</th>"
               "<th>random mean</th><th>other concepts: top</th></tr>")
    for s in studies:
        rand = s["random"]
        mean_area = float(np.mean([r["area_change"] for r in rand])) if rand else None
        changed = [r["labels_changed"] for r in rand if r["labels_changed"] is not None]
        top_changed = s["top"]["labels_changed"]
        out.append(f"<tr><th>{_e(s['concept'])}</th><td>{_e(s['layer'])}</td><td>{_e(s['units'])}</td>"
                   f"<td class=num>{_pct(s['top']['presence_change'])}</td>"
                   f"<td>{', '.join(_pct(r['presence_change']) for r in rand)}</td>"
                   f"<td class=num>{_pct(s['top']['area_change'])}</td><td class=num>{_pct(mean_area)}</td>"
                   f"<td class=num>{_share(top_changed)}</td>"
                   f"<td class=num>{_share(float(np.mean(changed)) if changed else None)}</td>"
                   f"<td class=num>{_pct(s['top']['others_presence_change'])}</td></tr>")
    out.append("</table>")
    if base is not None and key == "ablate":
        for s in studies:
            out.append(f"<p><b>{_e(s['concept'])}</b>: samples that have it; below, the top units ablated; below "
                       f"that, a random set ablated.</p>{_img(data_uri(ablation_samples(base, s), 3), s['concept'])}")
    return "".join(out)


def strip_images(study: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in study.items() if not k.endswith("images")}


def write_report(out: Path, d: Dissection, info: Dict[str, Any], ablations: List[Dict[str, Any]] = (),
                 insertions: List[Dict[str, Any]] = (), base: Optional[Baseline] = None, top: int = 5) -> Path:
    """Write ``index.html``, ``dissection.json`` and the figures into ``out``; returns the HTML's path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = {"info": info, **d.summary(top), "ablation": [strip_images(s) for s in ablations],
            "insertion": [strip_images(s) for s in insertions]}
    atomic_write(out / "dissection.json", lambda tmp: tmp.write_text(json.dumps(data, indent=1)))
    ablation_png = bar_chart(list(ablations), "presence_change", "ablation: change of the images that have the concept",
                             out / "ablation.png")
    insertion_png = bar_chart(list(insertions), "area_change", "insertion: change of the concept's area in the region",
                              out / "insertion.png")
    if base is not None:
        for s in ablations:
            save_png(ablation_samples(base, s), out / f"ablation-{s['concept']}.png", scale=3)
    meta = " · ".join(f"{_e(k)}: {_e(v)}" for k, v in info.items())
    body = [f"<h1>GAN Dissection of {_e(info.get('run', 'a generator'))}</h1><p class=muted>{meta}</p>",
            f"<p>{d.samples} samples (seed {d.seed}); unit threshold: the top {100 * d.quantile:g} % of each unit's "
            f"activations; layers: {', '.join(_e(r.layer.describe()) for r in d.layers.values())}.</p>",
            concept_section(d), layer_section(d, top),
            study_section(list(ablations), base, "Ablation", "The concept's top units switched off (set to 0) "
                          "everywhere, against random sets of as many units of the same layer, on the same latents.",
                          "ablate", ablation_png),
            study_section(list(insertions), None, "Insertion", "The concept's top units switched on (to their mean "
                          "activation above threshold) in the centre quarter of the image; area: the concept's share "
                          "of the pixels inside it.", "insert", insertion_png)]
    page = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>GAN Dissection</title>"
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>")
    atomic_write(out / "index.html", lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return out / "index.html"
