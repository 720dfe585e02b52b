"""The image family's side of evaluation: reading image sources, the ``auto`` extractor, training-time eval hooks.

The metrics core scores arrays under a chosen extractor; this module tells it how image sources
are read (:class:`ImageSource`, registered for the modality ``"image"``: run folders sampled on
the fly, image folders, .npz files, named splits like ``mnist:test``), which extractor ``auto``
means (the domain classifier for MNIST-like digits and clothes, Inception otherwise), and builds
the ``--eval-every`` hooks of an image run (:func:`image_eval_hooks`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Tuple

import torch

from ganforge.errors import GanforgeError
from ganforge.image.metrics.sources import as_uint8_images, is_run, load_images, sample_run
from ganforge.metrics.sources import SampleSource, register_source


def auto_extractor(ref_name: str, image_shape: tuple) -> str:
    """The extractor for a reference: the domain classifier for 28x28 digits / clothes, else Inception."""
    name = ref_name.partition(":")[0]
    if name in ("mnist", "embedded", "stacked-mnist") or (tuple(image_shape) == (1, 28, 28) and "fashion" not in name):
        return "mnist-classifier"
    if name == "fashion-mnist":
        return "fashion-mnist-classifier"
    return "inception"


class ImageSource(SampleSource):
    modality = "image"

    def load(self, spec: Any, data_dir: Optional[str] = None, what: str = "source") -> Tuple[torch.Tensor, str]:
        return load_images(spec, data_dir, what=what)

    def is_run(self, spec: Any) -> bool:
        return is_run(Path(spec))

    def sample_run(self, run: Path, n: int, seed: int, device: str = "cpu") -> Tuple[torch.Tensor, str]:
        return sample_run(run, n, seed, device)

    def auto_extractor(self, ref_name: str, samples: Any) -> str:
        return auto_extractor(ref_name, tuple(as_uint8_images(samples, f"reference {ref_name}").shape[1:]))


register_source(ImageSource())


def default_reference(data_name: str) -> str:
    return {"mnist": "mnist:test", "fashion-mnist": "fashion-mnist:test", "embedded": "embedded"}.get(data_name, "")


def reference_images(ref: str, data_dir: Optional[str], limit: int = 1000) -> Optional[torch.Tensor]:
    """The first ``limit`` reference images (for the collapse detector's class entropy); None for saved statistics."""
    try:
        return load_images(ref, data_dir, what="reference")[0][:limit]
    except GanforgeError:
        return None


def image_eval_hooks(task, trainer, quiet: bool = False) -> list:
    """The hooks an image run asks for (``train.eval_every > 0``): scores of the task's fixed-latent samples."""
    from ganforge.metrics.training_hook import EvalHook

    cfg = task.cfg
    t = cfg.train
    if not t.eval_every:
        return []
    ref = t.eval_ref if t.eval_ref != "auto" else default_reference(cfg.data.name)
    if not ref:
        raise GanforgeError(f"--eval-every needs a reference set for data {cfg.data.name!r}; pass "
                            "--set train.eval_ref=FOLDER_OR_SPLIT")
    data_dir = cfg.data.dir if cfg.data.name != "folder" else None
    return [EvalHook(trainer.run_dir, t.eval_every, lambda: task.fixed_samples(t.eval_samples, t.seed),
                     t.eval_metrics, ref, t.seed, data_dir=data_dir, last_step=t.steps, quiet=quiet,
                     save_best=trainer.save_best, reference_samples=reference_images(ref, data_dir))]
