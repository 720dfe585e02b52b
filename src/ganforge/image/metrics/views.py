"""Per-sample views that a person can check, written beside an evaluation (``ganforge eval ... --views DIR``).

- **confident share**: per extractor with class probabilities, the share of samples whose largest
  softmax probability exceeds 0.9 (for ``mnist-autoencoder`` the probabilities are its linear probe's);
- **nearest training neighbours** (memorisation check): in one extractor's feature space, the 16
  samples closest to a training image, each beside its 3 nearest training images, with the distances
  and the number of samples that are pixel-exact copies of their nearest training image;
- **worst samples**: per extractor, the 16 samples with the lowest *realism score* (Kynkäänniemi et
  al. 2019: the largest ratio, over reference images j, of j's k-NN radius to the sample's distance
  to j), i.e. the samples farthest outside the reference's feature manifold, worst first.

Everything goes into one folder: ``views.json`` (the figures, sample and neighbour indices) and
``neighbours-EXTRACTOR.png`` / ``worst-EXTRACTOR.png`` grids, which the studio's Runs page shows for a
run whose ``eval/views/`` holds them.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch

from ganforge.errors import DataError
from ganforge.files import atomic_write_text
from ganforge.media.images import save_grid
from ganforge.metrics.precision_recall import kth_neighbour_radii

CONFIDENT = 0.9
SHOWN = 16
NEIGHBOURS = 3
CHUNK = 512
VIEWS_FILE = "views.json"
REALISM = "realism score (Kynkäänniemi et al. 2019, k = 3): lowest = farthest outside the reference's manifold"


def confident_share(probs: np.ndarray, threshold: float = CONFIDENT) -> float:
    """Share of samples whose largest class probability exceeds ``threshold``."""
    return float((np.asarray(probs).max(1) > threshold).mean())


def nearest(queries: np.ndarray, keys: np.ndarray, k: int = NEIGHBOURS) -> Tuple[np.ndarray, np.ndarray]:
    """(indices ``[N, k]``, Euclidean distances ``[N, k]``) of each query's k nearest keys, nearest first."""
    q, c = torch.as_tensor(queries, dtype=torch.float64), torch.as_tensor(keys, dtype=torch.float64)
    k = min(k, len(c))
    idx, dist = torch.empty(len(q), k, dtype=torch.int64), torch.empty(len(q), k, dtype=torch.float64)
    for s in range(0, len(q), CHUNK):
        d = torch.cdist(q[s:s + CHUNK], c)
        top = d.topk(k, dim=1, largest=False)
        idx[s:s + CHUNK], dist[s:s + CHUNK] = top.indices, top.values
    return idx.numpy(), dist.numpy()


def realism_scores(samples: np.ndarray, reference: np.ndarray, k: int = 3) -> np.ndarray:
    """Each sample's realism score: max over reference points j of radius_k(j) / |sample - j| (higher = more real)."""
    radii = torch.as_tensor(kth_neighbour_radii(np.asarray(reference, np.float64), k))
    s, r = torch.as_tensor(samples, dtype=torch.float64), torch.as_tensor(reference, dtype=torch.float64)
    out = torch.empty(len(s), dtype=torch.float64)
    for start in range(0, len(s), CHUNK):
        d = torch.cdist(s[start:start + CHUNK], r).clamp_min(1e-12)
        out[start:start + CHUNK] = (radii[None] / d).max(1).values
    return out.numpy()


def worst_samples(samples: np.ndarray, reference: np.ndarray, n: int = SHOWN,
                  k: int = 3) -> Tuple[np.ndarray, np.ndarray]:
    """(indices, realism scores) of the ``n`` least realistic samples, worst first."""
    scores = realism_scores(samples, reference, k)
    order = np.argsort(scores, kind="stable")[:n]
    return order, scores[order]


def neighbour_rows(sample_feats: np.ndarray, train_feats: np.ndarray, samples: torch.Tensor,
                   train_images: torch.Tensor, n: int = SHOWN) -> Dict[str, object]:
    """The ``n`` samples closest to a training image with their nearest training images: indices, distances, copies."""
    idx, dist = nearest(sample_feats, train_feats)
    # a pixel-exact copy is at distance 0 (its features differ only by round-off of the batched network)
    same = np.array([[torch.equal(samples[i], train_images[j]) for j in idx[i]] for i in range(len(samples))])
    dist[same] = 0.0
    order = np.argsort(dist, axis=1, kind="stable")
    idx, dist = np.take_along_axis(idx, order, 1), np.take_along_axis(dist, order, 1)
    closest = np.argsort(dist[:, 0], kind="stable")[:n]
    copies = int(same.any(1).sum())
    rows = [{"sample": int(i), "neighbours": idx[i].tolist(), "distances": [round(float(x), 6) for x in dist[i]]}
            for i in closest]
    return {"rows": rows, "exact_copies": copies, "median_nearest_distance": float(np.median(dist[:, 0]))}


def neighbour_grid(samples: torch.Tensor, train_images: torch.Tensor, rows: List[dict], path: Path) -> Path:
    """Four groups per line, each [sample | its nearest training images], a blank cell between groups."""
    blank = torch.zeros_like(samples[:1])
    cells = []
    for row in rows:
        cells += [samples[row["sample"]:row["sample"] + 1], train_images[row["neighbours"]], blank]
    per_line = 2 + NEIGHBOURS
    return save_grid(torch.cat(cells), path, nrow=4 * per_line, scale=2)


def write_views(out: Path, samples: torch.Tensor, opinions: Dict[str, dict], source: str,
                neighbours: Optional[dict] = None) -> Dict[str, object]:
    """Write ``views.json`` and the grids into ``out``.

    ``opinions``: per extractor, ``{"features", "probs", "reference_features"}`` of the samples and the
    reference; ``neighbours``: ``{"extractor", "in", "features", "train_features", "train_images"}`` for
    the memorisation check (one extractor's feature space), or None to skip it.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    views: Dict[str, object] = {"source": source, "samples": len(samples), "threshold": CONFIDENT,
                                "confident": {}, "worst": {}}
    for name, o in opinions.items():
        views["confident"][name] = confident_share(o["probs"])
        order, scores = worst_samples(o["features"], o["reference_features"])
        image = f"worst-{name}.png"
        save_grid(samples[torch.as_tensor(order)], out / image, nrow=8, scale=2)
        views["worst"][name] = {"image": image, "by": REALISM, "samples": order.tolist(),
                                "scores": [round(float(s), 6) for s in scores]}
    if neighbours is not None:
        name = neighbours["extractor"]
        found = neighbour_rows(neighbours["features"], neighbours["train_features"], samples,
                               neighbours["train_images"])
        image = f"neighbours-{name}.png"
        neighbour_grid(samples, neighbours["train_images"], found["rows"], out / image)
        views["neighbours"] = {"extractor": name, "in": neighbours["in"], "image": image,
                               "by": "Euclidean distance of features; the samples closest to a training image",
                               **found}
    atomic_write_text(out / VIEWS_FILE, json.dumps(views, indent=2))
    return views


def views_of_evaluation(out: Path, samples: torch.Tensor, source: str, scored: list, neighbours_in: str,
                        data_dir: Optional[str] = None) -> Dict[str, object]:
    """The views of samples just scored (``ganforge eval --views``); prints what it wrote.

    ``scored``: per extractor, (extractor, sample features, sample probabilities, reference features).
    Nearest neighbours are looked up in ``neighbours_in`` (a split, folder or .npz of training images)
    under the first extractor."""
    from ganforge.image.metrics.sources import load_images

    opinions = {ex.name: {"features": f, "probs": p, "reference_features": r} for ex, f, p, r in scored}
    extractor, features = scored[0][0], scored[0][1]
    train, train_name = load_images(neighbours_in, data_dir, what="--neighbours-in")
    if tuple(train.shape[1:]) != tuple(samples.shape[1:]):
        raise DataError(f"--neighbours-in {neighbours_in} holds images of shape {tuple(train.shape[1:])}, the samples "
                        f"{tuple(samples.shape[1:])}; pass training images shaped like the samples")
    train_feats, _ = extractor.extract(extractor.accept(train, train_name),
                                       progress=f"features of {Path(train_name).name}")
    neighbours = {"extractor": extractor.name, "in": train_name, "features": features, "train_features": train_feats,
                  "train_images": train}
    views = write_views(Path(out), samples, opinions, source, neighbours)
    print(summary(views, Path(out)))
    return views


def summary(views: Dict[str, object], out: Path) -> str:
    """The lines ``ganforge eval`` prints about the views it wrote."""
    lines = [f"views written to {out}:"]
    for name, share in views["confident"].items():
        lines.append(f"  {name}: {100 * share:.1f}% of samples read with max softmax > {CONFIDENT}; worst samples "
                     f"(lowest realism score) in {views['worst'][name]['image']}")
    n = views.get("neighbours")
    if n:
        lines.append(f"  nearest training neighbours in {n['in']} under {n['extractor']}: {n['image']}; "
                     f"{n['exact_copies']} sample(s) are pixel-exact copies of a training image; median distance "
                     f"{n['median_nearest_distance']:.4g}")
    return "\n".join(lines)


FIGURES = ("test_accuracy", "linear_probe_accuracy", "test_reconstruction_mse")


def print_card(card: Dict[str, object], short: bool = False) -> None:
    """An extractor's card: one field a line, or (``short``) three lines: weights, training, figures and objective."""
    if short:
        figures = ", ".join(f"{k.replace('_', ' ')} {card[k]:.4f}" for k in FIGURES if k in card)
        print(f"  {card['extractor']}: sha256 {card['sha256']}\n    trained on {card.get('data', '?')} "
              f"({card.get('train_images', '?')} images, seed {card.get('seed', '?')}, {card.get('steps', '?')} "
              f"steps) by `{card['train']}`; {figures}\n    {card['objective']}")
        return
    print(f"{card['extractor']}")
    for key, value in card.items():
        if key != "extractor":
            shown = f"{value:.4f}" if key in FIGURES else value
            print(f"  {key.replace('_', ' ')}: {shown}")
