"""The package's layers (docs/architecture.md): no import cycles, imports only go downwards, every module imports alone.

The layers, lowest first; a module may import from its own layer's package and from lower layers:

    0 base      version, errors, registry, files, config
    1 engine    engine/ (loop, state, run folder, batches, distributed, ...)
    1 shared    losses/, media/, metrics/ (the evaluation core), datasets/ (IDX files), rating/ (human evaluation),
                provenance/ (C2PA, watermarks, sidecars), family.py
    2 families  image/, text/, toy2d/, translation/, style/, video/ (never each other)
    3 surfaces  cli/, web/, the package's __init__

``family.py`` finds family modules by name (importlib) when first asked, which is how lower
layers' registries (extractors, metrics) are filled without importing families.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Dict, Set

from helpers import SRC

PACKAGE = SRC / "ganforge"
BASE = {"version", "errors", "registry", "files", "config"}
SHARED = {"engine", "losses", "media", "metrics", "datasets", "rating", "family", "provenance"}
FAMILIES = {"image", "text", "toy2d", "translation", "style", "video", "music", "audio", "text2image"}
SURFACES = {"cli", "web", "__init__"}
LEVEL = {**{n: 0 for n in BASE}, **{n: 1 for n in SHARED}, **{n: 2 for n in FAMILIES}, **{n: 3 for n in SURFACES}}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> Dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def top_level_imports(path: Path) -> Set[str]:
    """ganforge modules imported at module level (imports inside functions run later and cannot form cycles)."""
    found: Set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("ganforge"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("ganforge"))
    return found


def all_imports(path: Path) -> Set[str]:
    """Every ganforge module a file imports, at any depth of the file."""
    found: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ganforge"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("ganforge"))
    return found


def unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_no_relative_imports_so_the_graph_below_is_complete():
    for name, path in all_modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            assert not (isinstance(node, ast.ImportFrom) and node.level), f"{name} uses a relative import"


def test_every_package_unit_has_a_layer():
    units = {unit(m) for m in all_modules()}
    assert units <= set(LEVEL), f"add {sorted(units - set(LEVEL))} to a layer here and in docs/architecture.md"


def test_imports_only_go_downwards_and_families_do_not_import_each_other():
    bad = []
    for name, path in all_modules().items():
        own = unit(name)
        for target in all_imports(path):
            other = unit(target)
            if other == own or other not in LEVEL:
                continue
            if LEVEL[other] > LEVEL[own] or (LEVEL[own] == LEVEL[other] == 2):
                bad.append(f"{name} imports {target}")
    assert not bad, "imports against the layering of docs/architecture.md:\n" + "\n".join(bad)


def test_no_import_cycles_among_module_level_imports():
    modules = all_modules()
    graph = {m: {t for t in top_level_imports(p) if t in modules and t != m} for m, p in modules.items()}
    # a module also runs its package's __init__ first
    for m in modules:
        parent = m.rsplit(".", 1)[0]
        if parent in modules and parent != m and m != "ganforge":
            graph[m].add(parent)
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack, on_stack, cycles = [], set(), []

    def visit(v: str) -> None:   # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            # a package and its own submodule (pkg/__init__ re-exporting pkg.x) is how packages work, not a cycle
            if len(component) > 1 and not all(c.startswith(min(component, key=len)) for c in component):
                cycles.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_every_module_imports_alone_in_a_fresh_interpreter():
    """Each module imported first, with no other ganforge module loaded (one interpreter, sys.modules reset)."""
    names = sorted(all_modules())
    script = (
        "import importlib, sys\n"
        f"names = {names!r}\n"
        "failed = []\n"
        "for name in names:\n"
        "    for loaded in [m for m in sys.modules if m == 'ganforge' or m.startswith('ganforge.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed.append(f'{name}: {type(exc).__name__}: {exc}')\n"
        "print('\\n'.join(failed))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "", f"modules that fail to import alone:\n{out.stdout}"
