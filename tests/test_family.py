"""The family registry: one list of models across families, and dispatch of load/create by family."""
from __future__ import annotations

import pytest
import torch

import ganforge
from ganforge.errors import GanforgeError
from ganforge.family import FAMILIES, family_of_model
from helpers import run_cli


def test_ganforge_models_lists_exactly_the_api_list_with_each_models_family(tmp_path):
    out = run_cli(["models"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    rows = [line.split() for line in out.stdout.splitlines() if line.strip()]
    assert [name for name, _ in rows] == ganforge.list_models()
    for name, family in rows:
        assert family_of_model(name).name == family
    assert {family for _, family in rows} == set(FAMILIES.names())


def test_every_family_names_its_own_models_and_no_name_is_shared():
    seen = {}
    for name in FAMILIES.names():
        for model in FAMILIES.get(name).models():
            assert model not in seen, f"model {model!r} is in families {seen[model]} and {name}"
            seen[model] = name
    assert "dcgan" in seen


def test_create_model_dispatches_by_family_and_unknown_names_suggest_close_ones():
    model = ganforge.create_model("dcgan", image_size=32, channels=3, num_classes=10)
    assert model.generator(torch.randn(2, 100), torch.tensor([1, 2])).shape == (2, 3, 32, 32)
    with pytest.raises(GanforgeError, match="did you mean 'dcgan'"):
        ganforge.create_model("dcgna")
