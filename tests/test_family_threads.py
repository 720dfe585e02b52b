"""Family discovery from several threads at once (the studio answers two requests together): no thread sees a
registry that another thread is still filling."""
from __future__ import annotations

import threading
import time
import types

import ganforge.family as family
from ganforge.registry import Registry


def test_a_second_thread_waits_for_the_families_the_first_is_importing(monkeypatch):
    things = Registry("thing", discover=family.load_families)

    def slow_import(name):   # a family module that takes a while to import, registering as it ends
        time.sleep(0.3)
        things.register(name)(object)

    monkeypatch.setattr(family, "_loaded", False)
    monkeypatch.setattr(family, "_done", False)
    monkeypatch.setattr(family, "FAMILY_MODULES", ["first", "second"])
    monkeypatch.setattr(family, "importlib", types.SimpleNamespace(import_module=slow_import))
    seen = {}
    early = threading.Thread(target=lambda: seen.update(early=things.names()))
    early.start()
    time.sleep(0.1)          # the first thread is importing now
    seen["late"] = things.names()
    early.join()
    assert seen == {"early": ["first", "second"], "late": ["first", "second"]}
    assert things.names() == ["first", "second"]   # and discovery ran once
