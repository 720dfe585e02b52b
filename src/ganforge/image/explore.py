"""Exploring a generator with a mapping network (stylegan2): style-mixing grids, truncation sweeps, seed lists.

    g = ganforge.load("runs/stylegan2-...")
    grid = style_mix_grid(g, [1, 2, 3], [4, 5, 6, 7])      # uint8 [(3+1)*(4+1), C, H, W], nrow 5
    sweep = truncation_sweep(g, rows=4, seed=0)             # uint8 [4*9, C, H, W], nrow 9 (psi 1.0 .. 0.2)

The style-mixing grid is the figure of the StyleGAN papers: the top row shows the images of seeds B, the
left column those of seeds A, and cell (i, j) takes the coarse styles (the layers before ``crossover``:
pose, shape, stroke) from A_i and the fine ones (from ``crossover`` on: texture, thickness details) from B_j.
The seed of a latent is that of ``ganforge sample --seed S``: its first latent (the first image of that grid).
"""
from __future__ import annotations

from typing import List, Optional, Sequence

import torch

from ganforge.errors import GanforgeError

SWEEP = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2)


def parse_seeds(spec: str) -> List[int]:
    """``"1,2,3"`` or ``"0-4"`` (or a mix: ``"0-2,7"``) -> seeds; a one-line error otherwise."""
    seeds: List[int] = []
    for part in filter(None, (p.strip() for p in str(spec).split(","))):
        lo, dash, hi = part.partition("-")
        try:
            a, b = int(lo), int(hi) if dash else int(lo)
        except ValueError:
            raise GanforgeError(f"seeds {spec!r}: {part!r} is not a seed or a range like 0-4") from None
        if a < 0 or b < a or b - a >= 64:
            raise GanforgeError(f"seeds {spec!r}: {part!r} is not a range of at most 64 seeds >= 0, like 0-4")
        seeds.extend(range(a, b + 1))
    if not seeds:
        raise GanforgeError(f"no seeds in {spec!r}; give a list like 1,2,3 or a range like 0-4")
    return seeds


def require_mapping(g, what: str) -> None:
    if not getattr(g, "has_mapping", False):
        raise GanforgeError(f"{what} needs a model with a mapping network (stylegan2); this run's model is "
                            f"{g.config.name!r}: train one with `ganforge train stylegan2`")


def seed_latents(g, seeds: Sequence[int]) -> torch.Tensor:
    """The first latent of each seed, as ``ganforge sample --seed S`` draws it."""
    return torch.cat([g.latents(1, None, torch.Generator().manual_seed(s)) for s in seeds])


def seed_labels(g, seeds: Sequence[int], label: Optional[int]) -> Optional[torch.Tensor]:
    """Conditional models: ``label`` for every seed, else each seed's own first label (as ``sample`` draws it)."""
    if not g.num_classes:
        if label is not None:
            raise GanforgeError("this model is not class-conditional; drop --label")
        return None
    return torch.cat([g.draw(1, label, s)[1] for s in seeds])


@torch.no_grad()
def style_mix_grid(g, seeds_a: Sequence[int], seeds_b: Sequence[int], crossover: Optional[int] = None,
                   truncation: Optional[float] = None, label: Optional[int] = None) -> torch.Tensor:
    """uint8 ``[(len(A) + 1) * (len(B) + 1), C, H, W]`` to lay out with ``nrow = len(B) + 1`` (corner blank)."""
    require_mapping(g, "a style-mixing grid")
    G = g.generator
    crossover = G.num_ws // 2 if crossover is None else crossover
    if not 0 <= crossover <= G.num_ws:
        raise GanforgeError(f"crossover {crossover} is outside 0..{G.num_ws} (this model has {G.num_ws} style "
                            "layers; the layers before it take seed A's styles)")
    psi = 1.0 if truncation is None else float(truncation)
    seeds = list(seeds_a) + list(seeds_b)
    y = seed_labels(g, seeds, label)
    ws = G.mapping(seed_latents(g, seeds).to(g.device), None if y is None else y.to(g.device), psi=psi)
    wa, wb = ws[:len(seeds_a)], ws[len(seeds_a):]
    rows = [torch.cat([wb[:1], wb])]   # the top row: the corner (blanked below), then B
    for i in range(len(wa)):
        mixed = torch.cat([wa[i:i + 1].expand(len(wb), -1, -1)[:, :crossover], wb[:, crossover:]], dim=1)
        rows.append(torch.cat([wa[i:i + 1], mixed]))
    all_ws = torch.cat(rows)
    images = _synthesize(g, all_ws)
    images[0].fill_(255)   # the blank corner
    return images


@torch.no_grad()
def truncation_sweep(g, rows: int = 4, seed: int = 0, psis: Sequence[float] = SWEEP,
                     label: Optional[int] = None) -> torch.Tensor:
    """uint8 ``[rows * len(psis), C, H, W]`` (``nrow = len(psis)``): the same ``rows`` latents of ``seed`` at each
    truncation, left to right; psi in W for models with a mapping network, the z threshold for the others."""
    if rows < 1:
        raise GanforgeError(f"a truncation sweep needs at least one row (got {rows})")
    columns = [g.sample(rows, labels=label, seed=seed, truncation=psi) for psi in psis]
    return torch.stack(columns, dim=1).reshape(rows * len(psis), *columns[0].shape[1:])


def _synthesize(g, ws: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    from ganforge.image.data.images import to_uint8

    out = [to_uint8(g.generator.synthesis(ws[s:s + batch_size].to(g.device)).clamp(-1, 1)).cpu()
           for s in range(0, len(ws), batch_size)]
    return torch.cat(out)


def explore_command(g, args) -> int:
    """``ganforge sample RUN --mix A B`` / ``--truncation-sweep``: write the grid to ``--out`` (a .png)."""
    from ganforge.media.writers import save_samples
    from ganforge.provenance import origin_of

    out = args.out or ("style-mix.png" if args.mix else "truncation-sweep.png")
    if not str(out).lower().endswith(".png"):
        raise GanforgeError(f"cannot write a grid to {out}: use a .png file")
    if args.mix and args.truncation_sweep:
        raise GanforgeError("--mix and --truncation-sweep each write one grid; give one of them")
    if args.mix:
        a, b = parse_seeds(args.mix[0]), parse_seeds(args.mix[1])
        images = style_mix_grid(g, a, b, args.crossover, args.truncation, args.label)
        origin = origin_of(g, a[0], enabled=args.provenance, action="style-mix", seeds_a=a, seeds_b=b,
                           crossover=args.crossover, truncation=args.truncation)
        path = save_samples(images, out, "images", origin=origin, nrow=len(b) + 1)
        print(f"wrote a style-mixing grid of {g.source} (step {g.step}) to {path}: rows take the coarse styles of "
              f"seeds {args.mix[0]}, columns the fine styles of seeds {args.mix[1]}")
        return 0
    rows = min(args.n, 8)
    images = truncation_sweep(g, rows=rows, seed=args.seed, label=args.label)
    origin = origin_of(g, args.seed, enabled=args.provenance, action="truncation-sweep", psi=list(SWEEP))
    path = save_samples(images, out, "images", origin=origin, nrow=len(SWEEP))
    meaning = "psi in W, toward w_avg" if g.has_mapping else "the |z| threshold"
    print(f"wrote a truncation sweep of {g.source} (step {g.step}) to {path}: {rows} rows, columns truncation "
          f"{SWEEP[0]} .. {SWEEP[-1]} ({meaning})")
    return 0
