"""Precision choice: ``auto`` picks bf16 only where it is native; an explicit bf16 where it is emulated warns in one line."""
from __future__ import annotations

import torch

from ganforge.engine import runtime
from helpers import run_cli

CPU = torch.device("cpu")


def test_auto_follows_the_hardware_and_explicit_choices_are_kept(monkeypatch):
    monkeypatch.setattr(runtime, "native_bf16", lambda device: False)
    assert runtime.resolve_precision("auto", CPU) == "fp32"
    monkeypatch.setattr(runtime, "native_bf16", lambda device: True)
    assert runtime.resolve_precision("auto", CPU) == "bf16"
    assert runtime.resolve_precision("fp32", CPU) == "fp32"


def test_explicit_bf16_warns_only_where_it_is_emulated(monkeypatch):
    monkeypatch.setattr(runtime, "native_bf16", lambda device: False)
    line = runtime.precision_warning("bf16", CPU)
    assert line.startswith("warning: this CPU (") and "no native bf16" in line and "--precision auto" in line
    assert "\n" not in line
    assert runtime.precision_warning("fp32", CPU) is None
    monkeypatch.setattr(runtime, "native_bf16", lambda device: True)
    assert runtime.precision_warning("bf16", CPU) is None


def test_the_cli_prints_the_warning_once_on_this_machine_when_bf16_is_emulated(tmp_path):
    out = run_cli(["train", "dcgan", "--steps", "1", "--precision", "bf16", "--set", "model.width=4",
                   "--set", "data.limit=64", "--batch-size", "8", "--out", str(tmp_path), "--quiet"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    warnings = [line for line in out.stderr.splitlines() if "no native bf16" in line]
    assert len(warnings) == (0 if runtime.native_bf16(CPU) else 1)
    assert runtime.cpu_name() != ""
