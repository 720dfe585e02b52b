"""Tiny text corpora and configs shared by the text family tests (the fixture is re-exported by conftest.py)."""
from __future__ import annotations

import random

import pytest

WORDS = ("a man woman dog cat sits on the bench with red blue ball table near street car "
         "bike runs eats small large plate of food").split()


def sentences(n: int, seed: int = 0, max_len: int = 9):
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, max_len))) for _ in range(n)]


@pytest.fixture
def text_files(tmp_path):
    train, test = tmp_path / "train.txt", tmp_path / "test.txt"
    train.write_text("\n".join(sentences(80, 0)) + "\n", encoding="utf-8")
    test.write_text("\n".join(sentences(30, 1)) + "\n", encoding="utf-8")
    return train, test


def tiny_config(model: str, data: dict, **train):
    from ganforge.config import from_dict
    from ganforge.text.config import TextRunConfig
    from ganforge.text.models import model_defaults

    defaults = model_defaults(model)
    return from_dict(TextRunConfig, {
        "model": {**defaults.get("model", {}), "name": model, "emb_dim": 8, "hidden_dim": 8, "d_emb_dim": 8,
                  "d_num_filters": 4, "rollouts": 2},
        "data": data,
        "train": {**defaults.get("train", {}), "pretrain_steps": 4, "d_pretrain_steps": 2, "steps": 3,
                  "batch_size": 8, "log_every": 2, "sample_every": 3, "checkpoint_every": 100, "eval_samples": 32,
                  "threads": 1, **train}})


TINY_ORACLE = {"name": "oracle", "oracle_vocab": 30, "oracle_hidden": 8, "oracle_len": 6, "oracle_samples": 64}
