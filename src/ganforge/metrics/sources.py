"""Where the samples of an evaluation come from, per modality: a registry of :class:`SampleSource`.

The core scores arrays (and saved reference statistics); reading a *named* source (a run folder,
a folder of images, ``mnist:test``, a file of sentences) and choosing the ``auto`` extractor are
the business of the family that owns the modality. Each family registers one source:

    register_source(ImageSource())      # ganforge.image.metrics.evaluation

and :class:`~ganforge.metrics.evaluate.Evaluator` / :func:`~ganforge.metrics.evaluate.evaluate`
look it up by modality. The registry imports the families on its first look-up.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Tuple

from ganforge.errors import GanforgeError
from ganforge.family import load_families
from ganforge.registry import Registry

SOURCES = Registry("sample modality", discover=load_families)


class SampleSource:
    """How one modality's samples are read and which extractor scores them by default."""

    modality = ""

    def load(self, spec: Any, data_dir: Optional[str] = None, what: str = "source") -> Tuple[Any, str]:
        """(samples, a name for the card) from an array, a file, a folder or a named split."""
        raise NotImplementedError

    def is_run(self, spec: Any) -> bool:
        """Whether ``spec`` is a run folder of this modality's family (sampled rather than read)."""
        return False

    def sample_run(self, run: Path, n: int, seed: int, device: str = "cpu") -> Tuple[Any, str]:
        raise GanforgeError(f"{run} cannot be sampled by the {self.modality} evaluation")

    def auto_extractor(self, ref_name: str, samples: Any) -> str:
        """The extractor that ``extractor="auto"`` means for this reference."""
        raise GanforgeError(f"the {self.modality} evaluation has no default feature extractor; pass --extractor")


def register_source(source: SampleSource) -> SampleSource:
    """Register one instance under its ``modality``."""
    SOURCES.register(source.modality)(source)
    return source


def source_for(modality: str) -> SampleSource:
    return SOURCES.get(modality)
