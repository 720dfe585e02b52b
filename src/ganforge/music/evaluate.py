"""Evaluating music runs: the statistics of generated phrases beside those of the training and test data.

    result = evaluate_run("runs/musegan-...", n=1000, temperature=1.0)
    print(result["table"])          # one row per statistic; columns: the run, train data, test data

The data's own figures are the floor ("closer to the data is better", MuseGAN); both splits are shown
so that the gap between them says how far apart two samples of real music already are.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from ganforge.config import from_dict, merge
from ganforge.engine.run_folder import find_checkpoint, run_folder_of
from ganforge.music.config import MusicConfig
from ganforge.music.data import MusicData, load_music
from ganforge.music.metrics import ALL, MusicCard, Voices, music_statistics, table, voices_sha256


def voices_of(tokens, data_cfg, names) -> Voices:
    return Voices(tokens.numpy() if hasattr(tokens, "numpy") else tokens, data_cfg.steps_per_bar, data_cfg.low,
                  tuple(names))


def data_statistics(data: MusicData, data_cfg, limit: int = 0) -> Dict[str, Dict[str, float]]:
    """The statistics of the training and test phrases (the first ``limit`` of each; 0 = all)."""
    return {split: music_statistics(voices_of(getattr(data, split)[: limit or None], data_cfg, data.track_names))
            for split in ("train", "test")}


def evaluate_voices(voices, data: MusicData, data_cfg, label: str, seed: int, temperature: float,
                    reference: Optional[Dict[str, Dict[str, float]]] = None) -> Dict[str, Any]:
    values = music_statistics(voices_of(voices, data_cfg, data.track_names), ALL)
    reference = reference or data_statistics(data, data_cfg)
    card = MusicCard(len(voices), f"{data.name}:test", voices_sha256(data.test.numpy()), len(data.test),
                     data_cfg.steps_per_bar, data_cfg.bars, data_cfg.low, data_cfg.pitches, float(temperature), seed)
    return {"values": values, "data": reference, "card": card.to_dict(), "card_lines": card.lines(),
            "table": table({label: values, f"{data.name} train": reference["train"],
                            f"{data.name} test": reference["test"]})}


def evaluate_run(target, n: int = 1000, seed: int = 0, temperature: float = 1.0, data_dir: Optional[str] = None,
                 device: str = "cpu") -> Dict[str, Any]:
    from ganforge.family import load

    path = find_checkpoint(target)
    run = run_folder_of(path)
    cfg_dict = run.config_dict()
    if data_dir:
        cfg_dict = merge(cfg_dict, {"data": {"dir": data_dir}})
    cfg = from_dict(MusicConfig, cfg_dict)
    g = load(path, device=device)
    data = load_music(cfg.data)
    voices = g.sample(n, seed=seed, temperature=temperature)
    label = cfg.model.name + (f" {cfg.model.variant}" if cfg.model.name == "musegan" else "") + f" (T={temperature:g})"
    return {"run": str(run.path), "step": g.step, "samples": n,
            **evaluate_voices(voices, data, cfg.data, label, seed, temperature)}
