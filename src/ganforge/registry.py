"""One small registry mechanism for models, losses, metrics and feature extractors.

    MODELS = Registry("model")

    @MODELS.register("dcgan")
    def dcgan(**kwargs): ...

    MODELS.create("dcgan", image_size=32)   # calls the factory
    MODELS.names()                          # sorted names

An unknown name raises a ``GanforgeError`` that suggests the closest registered names.

A registry of a lower layer may be filled by higher layers (the metrics core holds every
family's feature extractors): ``discover`` is called once, before the first look-up, to import
the modules that register themselves (``ganforge.family.load_families``).
"""
from __future__ import annotations

import difflib
from typing import Any, Callable, Dict, List, Optional

from ganforge.errors import GanforgeError


class Registry:
    """A name -> factory mapping for one kind of thing."""

    def __init__(self, kind: str, discover: Optional[Callable[[], None]] = None):
        self.kind = kind
        self._entries: Dict[str, Callable[..., Any]] = {}
        self._discover = discover

    def _discovered(self) -> Dict[str, Callable[..., Any]]:
        # cleared only once discovery has returned: another thread asking meanwhile runs it too (load_families
        # makes it wait for the first), so it never sees a half-filled registry; nested calls must be cheap
        discover = self._discover
        if discover is not None:
            discover()
            self._discover = None
        return self._entries

    def register(self, name: Optional[str] = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: register a factory (a function or class) under ``name`` (default: its __name__)."""

        def decorate(factory: Callable[..., Any]) -> Callable[..., Any]:
            key = name or factory.__name__
            if key in self._entries and self._entries[key] is not factory:
                raise ValueError(f"{self.kind} {key!r} is registered twice")
            self._entries[key] = factory
            return factory

        return decorate

    def unregister(self, name: str) -> None:
        """Remove an entry (plugins and tests that register something for a while)."""
        self._entries.pop(name, None)

    def get(self, name: str) -> Callable[..., Any]:
        try:
            return self._discovered()[name]
        except KeyError:
            close = difflib.get_close_matches(name, self._entries, n=3, cutoff=0.5)
            hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
            raise GanforgeError(
                f"unknown {self.kind} {name!r}: {hint}choose one of {', '.join(self.names())}"
            ) from None

    def create(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self.get(name)(*args, **kwargs)

    def names(self) -> List[str]:
        return sorted(self._discovered())

    def __contains__(self, name: object) -> bool:
        return name in self._discovered()

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()})"
