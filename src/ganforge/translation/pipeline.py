"""Using a trained translation run: translate tensors or image files, A->B or B->A, and CycleGAN's round trip.

    t = ganforge.load("runs/pix2pix-...")          # newest checkpoint, EMA weights when present
    out = t.translate(images)                       # float [N, C, H, W] in [-1, 1] -> the same, model size
    t.translate_files("sketches/", "digits/")       # a folder of images -> a folder of PNGs (same names)
    b, a_again = t.cycle(images, "AtoB")            # CycleGAN: A -> B -> A

A pix2pix run translates the direction it learned (``model.direction``, AtoB by default); a CycleGAN
run both. Inputs of another size are resized (whole, not cropped) to the model's square size.
A grayscale model given a colour image is a one-line error unless ``convert=True`` (luminance); a
grayscale image given to a colour model is replicated to three channels (nothing is lost).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from tqdm import tqdm

from ganforge.config import from_dict
from ganforge.engine.checkpoint import load_generator_model
from ganforge.errors import DataError, GanforgeError
from ganforge.media.images import make_grid, save_png
from ganforge.media.reading import IMAGE_SUFFIXES, is_colour, read_image, to_mode, to_uint8, visible_images
from ganforge.translation.config import ModelConfig
from ganforge.translation.data.folders import resize_square
from ganforge.translation.models import create_model

Paths = Union[str, Path, Sequence[Union[str, Path]]]
CHUNK = 64


class Translator:
    """The generator(s) of a translation checkpoint, ready to translate."""

    def __init__(self, generator: torch.nn.Module, model, config: ModelConfig, step: int, source: Path):
        self.generator = generator.eval().requires_grad_(False)
        self.model, self.config, self.step, self.source = model, config, step, source
        self.device = next(generator.parameters()).device

    @classmethod
    def from_checkpoint(cls, path: Path, tensors, meta, device: str = "cpu", use_ema: bool = True) -> "Translator":
        cfg = from_dict(ModelConfig, meta["model_config"])
        model = load_generator_model(path, tensors, meta, "translation", lambda: create_model(cfg), use_ema)
        model.discriminator = None   # translation needs the generators only
        return cls(model.generator.to(device), model, cfg, int(meta["step"]), path)

    # ------------------------------------------------------------------ what it translates
    @property
    def directions(self) -> List[str]:
        return self.model.directions

    @property
    def image_size(self) -> int:
        return self.config.image_size

    def channels(self, direction: str) -> Tuple[int, int]:
        """(input, output) channels of a direction."""
        a, b = self.config.channels_a, self.config.channels_b
        return (a, b) if direction == "AtoB" else (b, a)

    def check_direction(self, direction: Optional[str]) -> str:
        direction = direction or self.directions[0]
        if direction not in ("AtoB", "BtoA"):
            raise GanforgeError(f"unknown direction {direction!r}; use AtoB or BtoA")
        if direction not in self.directions:
            raise GanforgeError(f"this {self.config.name} run learned {self.directions[0]} only, so it cannot "
                                f"translate {direction}; use --direction {self.directions[0]} (or train a model with "
                                f"--direction {direction})")
        return direction

    # ------------------------------------------------------------------ tensors
    def prepare(self, images: torch.Tensor, direction: str, convert: bool = False) -> torch.Tensor:
        """Float ``[N, C, H, W]`` in [-1, 1] checked, channel-fitted and resized to the model's input."""
        if not torch.is_tensor(images) or not images.is_floating_point():
            raise GanforgeError("translate() takes a float tensor [N, C, H, W] in [-1, 1]; convert uint8 images "
                                "with images / 127.5 - 1")
        if images.dim() == 3:
            images = images[None]
        want, _ = self.channels(direction)
        if images.dim() != 4 or images.shape[1] not in (1, 3) or len(images) == 0:
            raise GanforgeError(f"translate() takes images [N, C, H, W] with C = 1 or 3, got shape "
                                f"{tuple(images.shape)}")
        if not torch.isfinite(images).all() or images.min() < -1.001 or images.max() > 1.001:
            raise GanforgeError("translate() takes values in [-1, 1]; scale [0, 1] images with x * 2 - 1 and "
                                "[0, 255] ones with x / 127.5 - 1")
        if images.shape[1] != want:
            if images.shape[1] == 3 and not convert:
                raise GanforgeError(f"this model translates grayscale (1-channel) images {direction}, got colour "
                                    "(3-channel) ones; convert them to grayscale, or pass convert=True (--convert)")
            images = images.mean(1, keepdim=True) if want == 1 else images.expand(-1, 3, -1, -1)
        if images.shape[-2:] != (self.image_size, self.image_size):
            images = F.interpolate(images.float(), size=(self.image_size, self.image_size), mode="bilinear",
                                   antialias=True, align_corners=False).clamp(-1, 1)
        return images

    @torch.no_grad()
    def translate(self, images: torch.Tensor, direction: Optional[str] = None, convert: bool = False) -> torch.Tensor:
        """Translations of float images in [-1, 1] ``[N, C, H, W]``: float ``[N, C', S, S]`` in [-1, 1] on the CPU."""
        direction = self.check_direction(direction)
        images = self.prepare(images, direction, convert)
        net = self.model.translator(direction)
        return torch.cat([net(images[s:s + CHUNK].to(self.device)).float().cpu() for s in range(0, len(images), CHUNK)])

    def cycle(self, images: torch.Tensor, direction: str = "AtoB", convert: bool = False):
        """CycleGAN's round trip: (translation, translation back), e.g. A -> B -> A."""
        if len(self.directions) < 2:
            raise GanforgeError(f"a {self.config.name} run translates one way only ({self.directions[0]}); the round "
                                "trip A -> B -> A needs a cyclegan run")
        back = "BtoA" if direction == "AtoB" else "AtoB"
        there = self.translate(images, direction, convert)
        return there, self.translate(there, back)

    def sample(self, *args, **kwargs):
        raise GanforgeError("a translation model translates images rather than sampling them: use "
                            "`ganforge translate RUN INPUT --out OUTPUT` or .translate(images)")

    # ------------------------------------------------------------------ files
    def load_file(self, path: Path, direction: str, convert: bool = False) -> torch.Tensor:
        """One image file as float ``[1, C, S, S]`` in [-1, 1] for ``direction``."""
        return self.image_tensor(read_image(path), direction, convert, str(path))

    def image_tensor(self, img: Image.Image, direction: str, convert: bool = False, name: str = "the image"):
        """A decoded image as float ``[1, C, S, S]`` in [-1, 1]: channels checked (or converted), resized."""
        want, _ = self.channels(direction)
        if want == 1 and is_colour(img) and not convert:
            raise DataError(f"{name} is a colour image but this model translates grayscale images {direction}; "
                            "convert it to grayscale first, or pass --convert (luminance)")
        arr = np.asarray(resize_square(to_mode(img, want), self.image_size), dtype=np.float32)
        arr = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
        return torch.from_numpy(arr)[None] / 127.5 - 1

    def translate_files(self, inputs: Paths, out: Union[str, Path], direction: Optional[str] = None,
                        convert: bool = False, compare: bool = False, origin=None) -> List[Path]:
        """Translate an image file, a folder or a list of files into ``out`` (a file for one input file, else a
        folder of PNGs named as the inputs); ``compare`` writes input | output (| round trip) side by side.
        Each file is marked with the provenance ``origin`` (``ganforge.provenance.origin_of(self)``; None: not)."""
        from ganforge.provenance import mark_files

        direction = self.check_direction(direction)
        files, single = input_files(inputs)
        out = Path(out)
        if not single and out.suffix.lower() in IMAGE_SUFFIXES:
            raise GanforgeError(f"{out} is a file name, but there are {len(files)} inputs; give a folder for --out")
        written = []
        for path in tqdm(files, desc="translating", unit="img", leave=False, disable=None if len(files) > 8 else True):
            image = self.load_file(path, direction, convert)
            row = [image, self.translate(image, direction)]
            if compare and len(self.directions) == 2:
                row.append(self.translate(row[1], "BtoA" if direction == "AtoB" else "AtoB"))
            if not compare:
                row = row[1:]
            if compare and any(r.shape[1] == 3 for r in row):
                row = [r.expand(-1, 3, -1, -1) for r in row]
            target = out if single and out.suffix else out / f"{path.stem}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            save_png(make_grid(to_uint8(torch.cat(row)), nrow=len(row), padding=0), target)
            mark_files([target], origin)
            written.append(target)
        return written

    def config_dict(self) -> dict:
        return dataclasses.asdict(self.config)


def input_files(inputs: Paths) -> Tuple[List[Path], bool]:
    """(image files, whether the input was one file) of a file, a folder or a list of files."""
    if isinstance(inputs, (str, Path)):
        path = Path(inputs)
        if path.is_dir():
            files = visible_images(path.iterdir())
            if not files:
                raise DataError(f"no images (.png, .jpg, .bmp, .tif) in {path}; point INPUT at an image or a folder "
                                "of images")
            return files, False
        if not path.is_file():
            raise DataError(f"input {path} does not exist; pass an image file or a folder of images")
        return [path], True
    files = [Path(p) for p in inputs]
    missing = [p for p in files if not p.is_file()]
    if missing or not files:
        raise DataError(f"input {missing[0] if missing else '(none)'} is not an image file; pass existing images")
    return files, False
