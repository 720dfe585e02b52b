"""The studio's Create page: sample a trained run with a seed, pick a class, truncate, lock latent
dimensions, walk between two latents, mix the styles of two seeds (stylegan2), and export PNG or GIF.

Runs and checkpoints are found through :class:`~ganforge.web.runs.RunsFolder` (hence
:class:`ganforge.engine.run_folder.RunFolder`) and loaded with :func:`ganforge.family.load`, which
gives an image run's :class:`ganforge.image.pipeline.LoadedGenerator` (the same sampling as
``ganforge sample``: ``seed`` and ``truncation`` give the same images); images go through
:mod:`ganforge.media.images`. Work runs as a :class:`Job` on one background thread so the page can show
progress and the server keeps answering; loaded generators are kept in a small cache.
"""
from __future__ import annotations

import base64
import io
import secrets
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch

from ganforge.config import from_dict, option
from ganforge.errors import ConfigError, GanforgeError
from ganforge.family import load as family_load
from ganforge.media.images import make_grid, png_bytes, to_pil
from ganforge.image.explore import style_mix_grid
from ganforge.image.pipeline import LoadedGenerator, slerp
from ganforge.web.runs import RunsFolder

Progress = Callable[[int, int], None]


@dataclass
class CreateRequest:
    run: str = option("", help="run folder name under the studio's runs folder")
    checkpoint: Optional[int] = option(None, min=0, help="checkpoint step (default: the newest)")
    action: str = option("sample", choices=("sample", "walk", "gif", "mix"))
    seed: int = option(0, min=0, max=2**31 - 1)
    seed_b: int = option(1, min=0, max=2**31 - 1, help="the walk's second latent; mix: the seed of the fine styles")
    crossover: Optional[int] = option(None, min=0, max=64, help="mix (stylegan2): the first style layer taken from "
                                      "seed_b (default: half of them)")
    n: int = option(16, min=1, max=64, help="number of samples")
    label: Optional[int] = option(None, min=0, help="class (conditional models; default: random)")
    truncation: Optional[float] = option(None, min=0.05, max=10.0)
    locked: str = option("", help="latent dimensions kept fixed, e.g. '0-9, 42'")
    steps: int = option(16, min=2, max=64, help="frames of the walk")


def parse_locked(spec: str, latent_dim: int) -> List[int]:
    """'0-9, 42' -> [0, 1, ..., 9, 42], each dimension checked against the model's latent size."""
    dims: List[int] = []
    for part in filter(None, (p.strip() for p in (spec or "").split(","))):
        try:
            lo, _, hi = part.partition("-")
            a, b = int(lo), int(hi) if hi else int(lo)
        except ValueError:
            raise ConfigError(f"locked dimensions {spec!r}: {part!r} is not a number or a range like 0-9") from None
        if not 0 <= a <= b < latent_dim:
            raise ConfigError(f"locked dimensions {spec!r}: {part!r} is outside 0..{latent_dim - 1} "
                              f"(this model's latent has {latent_dim} dimensions)")
        dims.extend(range(a, b + 1))
    return sorted(set(dims))


class GeneratorCache:
    """The last few loaded generators, keyed by checkpoint file and its modification time."""

    def __init__(self, runs: RunsFolder, size: int = 4, provenance: bool = True):
        self.runs, self.size, self.provenance = runs, size, provenance
        self._cache: "OrderedDict[Tuple[str, float], LoadedGenerator]" = OrderedDict()
        self._lock = threading.Lock()

    def check_run(self, run: str) -> None:
        """404 for an unknown run, a message for a run of another family than images."""
        family = self.runs.run_folder(run).info()["family"]
        if family != "image":
            raise GanforgeError(f"run {run!r} is a {family} run: the Create page draws images, so pick an image run "
                                f"(sample this one with `ganforge sample`)")

    def load(self, run: str, step: Optional[int]) -> LoadedGenerator:
        """The generator of a run's checkpoint ``step`` (default: its newest loadable one)."""
        self.check_run(run)
        path = self.runs.checkpoint_file(run, step)
        key = (str(path), path.stat().st_mtime)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        g = family_load(path)
        with self._lock:
            self._cache[key] = g
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return g


def _generate(g: LoadedGenerator, z: torch.Tensor, y: Optional[torch.Tensor], progress: Progress,
              truncation: Optional[float] = None, chunk: int = 8) -> torch.Tensor:
    out = []
    for start in range(0, len(z), chunk):
        out.append(g.generate(z[start:start + chunk], None if y is None else y[start:start + chunk],
                              truncation=truncation))
        progress(min(start + chunk, len(z)), len(z))
    return torch.cat(out)


def sample_images(g: LoadedGenerator, req: CreateRequest, progress: Progress) -> torch.Tensor:
    """``req.n`` seeded samples; locked dimensions take the first sample's values in every sample."""
    label = _check_label(g, req.label)
    z, y = g.draw(req.n, label, req.seed, req.truncation)
    locked = parse_locked(req.locked, g.config.latent_dim)
    if locked:
        z[:, locked] = z[:1, locked]
    return _generate(g, z, y, progress, req.truncation)


def walk_images(g: LoadedGenerator, req: CreateRequest, progress: Progress) -> torch.Tensor:
    """``req.steps`` images along the great circle from the latent of ``seed`` to that of ``seed_b``.

    The two ends are the first latents drawn from ``seed`` and ``seed_b`` (without truncation, those of
    the first image of each seed's sample grid); locked dimensions keep the start latent's values.
    """
    label = _check_label(g, req.label)
    dim = g.config.latent_dim
    a = g.latents(1, req.truncation, torch.Generator().manual_seed(req.seed))[0]
    b = g.latents(1, req.truncation, torch.Generator().manual_seed(req.seed_b))[0]
    z = slerp(a, b, torch.linspace(0, 1, req.steps))
    locked = parse_locked(req.locked, dim)
    if locked:
        z[:, locked] = a[locked]
    y = None
    if g.num_classes:
        _, y0 = g.draw(1, label, req.seed, req.truncation)
        y = y0.expand(req.steps).clone()
    return _generate(g, z, y, progress, req.truncation)


def _check_label(g: LoadedGenerator, label: Optional[int]) -> Optional[int]:
    if label is None:
        return None
    if not g.num_classes:
        raise GanforgeError("this model is not class-conditional: choose 'random' as the class")
    if label >= g.num_classes:
        raise GanforgeError(f"class {label} is out of range; this model has classes 0..{g.num_classes - 1}")
    return label


def gif_bytes(frames: torch.Tensor, scale: int = 4, duration_ms: int = 80) -> bytes:
    images = [to_pil(make_grid(f[None], nrow=1, padding=0)) for f in frames]
    images = [im.resize((im.width * scale, im.height * scale), resample=0) for im in images]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    return buf.getvalue()


def marked(cache: GeneratorCache, g: Any, data: bytes, name: str, **extra: Any) -> bytes:
    """A download with its provenance (watermark + C2PA manifest) when the studio has it on."""
    if not cache.provenance:
        return data
    from ganforge.provenance import mark_bytes, origin_of

    return mark_bytes(data, name, origin_of(g, source="studio", **extra))[0]


def run_request(cache: GeneratorCache, data: Dict[str, Any], progress: Progress) -> Tuple[str, bytes, str]:
    """Do one Create request: (media type, content, suggested file name); the PNG and GIF carry provenance."""
    req = from_dict(CreateRequest, data)
    g = cache.load(req.run, req.checkpoint)
    tag = f"{req.run}-step{g.step}-seed{req.seed}"
    how = {"seed": req.seed, "label": req.label, "truncation": req.truncation, "locked": req.locked or None}
    if req.action == "sample":
        images = sample_images(g, req, progress)
        name = f"{tag}.png"
        return "image/png", marked(cache, g, png_bytes(make_grid(images), scale=2), name, **how), name
    if req.action == "mix":   # 2x2: blank, B / A, coarse styles of A with the fine ones of B (stylegan2)
        images = style_mix_grid(g, [req.seed], [req.seed_b], req.crossover, req.truncation, _check_label(g, req.label))
        progress(1, 1)
        name = f"{tag}-mix-{req.seed_b}.png"
        return "image/png", marked(cache, g, png_bytes(make_grid(images, nrow=2), scale=4), name, seed_b=req.seed_b,
                                   crossover=req.crossover, **how), name
    frames = walk_images(g, req, progress)
    if req.action == "gif":
        name = f"{tag}-to-{req.seed_b}.gif"
        return "image/gif", marked(cache, g, gif_bytes(frames), name, seed_b=req.seed_b, **how), name
    urls = ["data:image/png;base64," + base64.b64encode(png_bytes(make_grid(f[None], nrow=1, padding=0), 4))
            .decode("ascii") for f in frames]
    import json

    return "application/json", json.dumps({"frames": urls, "step": g.step}).encode(), f"{tag}-walk.json"


@dataclass
class Job:
    id: str
    state: str = "queued"  # queued, running, done, error
    done: int = 0
    total: int = 1
    error: Optional[str] = None
    media_type: str = ""
    content: bytes = b""
    filename: str = ""
    created: float = field(default_factory=time.monotonic)

    def status(self) -> Dict[str, Any]:
        return {"id": self.id, "state": self.state, "done": self.done, "total": self.total, "error": self.error,
                "media_type": self.media_type, "filename": self.filename}


class Jobs:
    """Create requests run one at a time on a background thread. Finished results are kept ``keep_s`` seconds,
    and at most ``keep_count`` of them holding at most ``keep_bytes`` in all: the oldest are dropped first."""

    def __init__(self, cache: GeneratorCache, keep_s: float = 600.0, max_jobs: int = 64, keep_count: int = 64,
                 keep_bytes: int = 64 * 2**20):
        self.cache, self.keep_s, self.max_jobs = cache, keep_s, max_jobs
        self.keep_count, self.keep_bytes = keep_count, keep_bytes
        self._jobs: Dict[str, Job] = {}  # in submission order
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ganforge-create")

    def submit(self, data: Dict[str, Any]) -> Job:
        req = from_dict(CreateRequest, data)  # a malformed request fails now, with a 4xx, not later in the job
        self.cache.check_run(req.run)  # an unknown run too (404), or one that is not an image run (400)
        job = Job(secrets.token_urlsafe(9))
        with self._lock:
            self._prune()
            if sum(j.state in ("queued", "running") for j in self._jobs.values()) >= self.max_jobs:
                raise GanforgeError("too many Create requests are waiting; wait for them to finish")
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, data)
        return job

    def _prune(self) -> None:
        """Drop expired results, then the oldest ones while over the count or byte cap (the lock is held)."""
        now = time.monotonic()
        finished = [j for j in self._jobs.values() if j.state in ("done", "error")]
        count, size = len(finished), sum(len(j.content) for j in finished)
        for old in finished:  # oldest first
            if now - old.created <= self.keep_s and count <= self.keep_count and size <= self.keep_bytes:
                break
            del self._jobs[old.id]
            count, size = count - 1, size - len(old.content)

    def __len__(self) -> int:
        return len(self._jobs)

    def held_bytes(self) -> int:
        """Bytes of results held in memory."""
        with self._lock:
            return sum(len(j.content) for j in self._jobs.values())

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    def _run(self, job: Job, data: Dict[str, Any]) -> None:
        job.state = "running"

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total

        try:
            job.media_type, job.content, job.filename = run_request(self.cache, data, progress)
            job.state = "done"
        except GanforgeError as exc:
            job.error, job.state = str(exc), "error"
        except LookupError as exc:  # NotFound: a run or checkpoint that is gone
            job.error, job.state = (exc.args[0] if exc.args else "not found"), "error"
        except Exception as exc:  # noqa: BLE001 - shown in the page as a message, never a traceback
            job.error, job.state = f"internal error: {type(exc).__name__}: {exc}", "error"
        with self._lock:
            self._prune()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
