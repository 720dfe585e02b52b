"""Where a study's items come from: one :class:`ItemSource` per family, registered by the family.

A source turns a run into files a person can judge: generated items sampled from the run at a
setting (an image run's truncation, a text run's temperature), real items drawn from the run's own
data (or another source of the same kind), and attention checks, items so obviously generated that
a rater who calls one real is not paying attention. Items are encoded files (PNG for images), so
the study folder, the database's hashes and the studio's ``<img>`` all see the same bytes.

A family plugs in with::

    @register_item_source("image")
    class ImageItems(ItemSource):
        media, suffix, media_type, setting = "image", ".png", "image/png", "truncation"
        def generated(self, run, n, seed, setting): ...   # n encoded files
        def real(self, run, n, seed, source=None): ...
        def attention(self, run, n, seed): ...

and lists the module in what its ``family.py`` imports, as it does its metrics.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, List, Optional, Type

from ganforge.errors import GanforgeError
from ganforge.family import family_of_run, load_families
from ganforge.registry import Registry

ITEM_SOURCES = Registry("rating item source", discover=load_families)


class ItemSource:
    """What a family gives a HYPE study (see the module docstring)."""

    media: str = "image"               # how the studio shows an item: "image" (later "audio", "video", "text")
    suffix: str = ".png"
    media_type: str = "image/png"
    setting: str = "truncation"        # the sampling knob a study compares (None = the family's default)

    def generated(self, run: Path, n: int, seed: int, setting: Optional[float]) -> List[bytes]:
        raise NotImplementedError

    def real(self, run: Path, n: int, seed: int, source: Optional[str] = None) -> List[bytes]:
        raise NotImplementedError

    def attention(self, run: Path, n: int, seed: int) -> List[bytes]:
        raise NotImplementedError

    def describe_real(self, run: Path, source: Optional[str] = None) -> str:
        """Where the real items come from, for the study's record."""
        return source or "the run's training data"


def register_item_source(family: str) -> Callable[[Type[ItemSource]], Type[ItemSource]]:
    """Class decorator: the item source of ``family``'s runs (one instance)."""
    def decorate(cls: Type[ItemSource]) -> Type[ItemSource]:
        ITEM_SOURCES.register(family)(cls())
        return cls
    return decorate


def item_source_of_run(run: str | Path) -> ItemSource:
    """The item source of a run's family; a one-line error for a family that has none yet."""
    family = family_of_run(run).name
    if family not in ITEM_SOURCES:
        have = ", ".join(ITEM_SOURCES.names()) or "none"
        raise GanforgeError(f"{run} is a {family} run, and {family} runs cannot be rated by people yet "
                            f"(families with rating items: {have}); pick a run of one of those")
    return ITEM_SOURCES.get(family)
