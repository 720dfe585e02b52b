"""The studio's Translate page: draw or upload an image and see a translation run's output (and CycleGAN's round trip).

    GET  /translate                    the page (static translate.html + translate.js)
    GET  /api/translate/runs           the translation runs: model, directions, size, channels, step
    POST /api/translate                {"run", "direction", "image": "data:image/png;base64,...", "convert"}
                                       -> {"input", "output", "cycle" (CycleGAN: A->B->A), "step"} as PNG data URLs
                                       (output and cycle carry provenance: watermark + C2PA manifest)

Runs are found through :class:`~ganforge.web.runs.RunsFolder` and loaded with :func:`ganforge.family.load`
(the :class:`ganforge.translation.pipeline.Translator` that `ganforge translate` uses, so the page's
output is the command's); an uploaded image is decoded by :func:`ganforge.media.reading.read_image`
(bombs refused) and fitted to the model as a file would be.
"""
from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

import torch
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ganforge.config import from_dict, option
from ganforge.errors import GanforgeError
from ganforge.media.images import make_grid, png_bytes
from ganforge.media.reading import read_image, to_uint8
from ganforge.web.create import GeneratorCache, marked
from ganforge.web.jsonio import read_json, reply
from ganforge.web.runs import NotFound, RunsFolder

MAX_IMAGE_CHARS = 200_000   # a data URL under the studio's body limit


@dataclass
class TranslateRequest:
    run: str = option("", help="run folder name under the studio's runs folder")
    checkpoint: Optional[int] = option(None, min=0, help="checkpoint step (default: the newest)")
    direction: str = option("", help="AtoB or BtoA (default: the run's first)")
    image: str = option("", help="the input as a data URL (PNG or JPEG)")
    convert: bool = option(False, help="convert a colour input of a grayscale model (luminance)")


class TranslatorCache(GeneratorCache):
    """The last few loaded translation runs (the Create page's cache, for another family)."""

    def check_run(self, run: str) -> None:
        family = self.runs.run_folder(run).info()["family"]
        if family != "translation":
            raise GanforgeError(f"run {run!r} is a {family} run, which generates rather than translates: pick a "
                                "pix2pix or cyclegan run (this one is on the Create page)")


def data_url_bytes(url: str) -> bytes:
    head, _, payload = (url or "").partition(",")
    if not head.startswith("data:image/") or ";base64" not in head or not payload:
        raise GanforgeError("image must be a data URL like data:image/png;base64,...; draw or upload an image")
    if len(payload) > MAX_IMAGE_CHARS:
        raise GanforgeError("the image is too large to send; use a smaller one (the page shrinks uploads)")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise GanforgeError("image data is not valid base64; draw or upload the image again") from None


def png_url(images: torch.Tensor, mark: Optional[Callable[[bytes], bytes]] = None) -> str:
    """A float [1, C, H, W] image in [-1, 1] as a PNG data URL (through ``mark``, which adds provenance)."""
    data = png_bytes(make_grid(to_uint8(images), 1, padding=0))
    return "data:image/png;base64," + base64.b64encode(mark(data) if mark else data).decode()


def translate_image(cache: TranslatorCache, data: Dict[str, Any]) -> Dict[str, Any]:
    req = from_dict(TranslateRequest, data)
    t = cache.load(req.run, req.checkpoint)
    direction = t.check_direction(req.direction or None)
    image = t.image_tensor(read_image(io.BytesIO(data_url_bytes(req.image)), name="the image"), direction,
                           req.convert)
    out = t.translate(image, direction)
    cycle = t.translate(out, "BtoA" if direction == "AtoB" else "AtoB") if len(t.directions) == 2 else None

    def mark(data: bytes) -> bytes:   # the generated images carry provenance; the user's input does not
        return marked(cache, t, data, f"{req.run}-{direction}.png", action="translate", direction=direction)

    return {"input": png_url(image), "output": png_url(out, mark),
            "cycle": png_url(cycle, mark) if cycle is not None else None, "direction": direction, "step": t.step}


def run_list(runs: RunsFolder) -> List[Dict[str, Any]]:
    """Translation runs with a checkpoint, newest first, with what their page controls need (from config.yaml)."""
    out = []
    for summary in runs.list_runs():
        if summary["family"] != "translation" or not summary["checkpoints"]:
            continue
        try:
            model = runs.run_folder(summary["name"]).config_dict().get("model") or {}
        except (NotFound, GanforgeError, OSError):
            continue
        a, b = model.get("channels_a"), model.get("channels_b")
        directions = ["AtoB", "BtoA"] if model.get("name") == "cyclegan" else [model.get("direction", "AtoB")]
        out.append({"name": summary["name"], "model": model.get("name"), "data": summary["data"],
                    "step": summary["step"], "image_size": model.get("image_size"), "directions": directions,
                    "channels": {"AtoB": [a, b], "BtoA": [b, a]}})
    return out


def translate_routes(runs: RunsFolder, provenance: bool = True) -> List[Route]:
    """The Translate page's API routes (the page itself is served by :mod:`ganforge.web.pages`); its outputs carry
    provenance unless ``provenance`` is False."""
    cache = TranslatorCache(runs, provenance=provenance)

    async def list_runs(request: Request) -> Response:
        return reply({"runs": await run_in_threadpool(run_list, runs)})

    async def translate(request: Request) -> Response:
        return reply(await run_in_threadpool(translate_image, cache, await read_json(request)))

    return [Route("/api/translate/runs", list_runs), Route("/api/translate", translate, methods=["POST"])]
