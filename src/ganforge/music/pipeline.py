"""Sampling a trained music model, and voices to MIDI songs.

    g = ganforge.load("runs/musegan-...")          # newest checkpoint (EMA weights when kept)
    voices = g.sample(8, seed=0, temperature=1.0)  # long [8, tracks, steps]: 0 = rest, k = pitch low + k - 1
    g.save(voices, "song.mid")                     # or song.wav, roll.png, a folder (media.writers, kind "music")
"""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, List, Sequence, Union

import torch

from ganforge.config import from_dict
from ganforge.engine.checkpoint import build_checked, load_module_state, unprefixed
from ganforge.errors import CheckpointError, GanforgeError
from ganforge.media.writers import save_samples
from ganforge.music.config import DataConfig, ModelConfig
from ganforge.music.models import Shape, build_model
from ganforge.music.models.base import gumbel_noise

CHUNK = 256


@torch.no_grad()
def generate(generator: torch.nn.Module, shape: Shape, n: int, seed: int, temperature: float = 1.0) -> torch.Tensor:
    """``n`` phrases of voices ``[n, tracks, steps]`` (long, CPU) from noise seeded by ``seed``."""
    if n < 1:
        raise GanforgeError(f"number of samples must be >= 1 (got {n})")
    if not temperature > 0:
        raise GanforgeError(f"temperature must be > 0 (got {temperature})")
    g = torch.Generator().manual_seed(seed)
    device = next(generator.parameters()).device
    out = []
    for start in range(0, n, CHUNK):
        m = min(CHUNK, n - start)
        if hasattr(generator, "nll"):
            out.append(generator.sample(m, g, temperature))
            continue
        z = torch.randn(m, generator.latent_dim, generator=g)
        gumbel = gumbel_noise((m, shape.tracks, shape.steps, shape.vocab), g)
        out.append(generator(z.to(device), gumbel.to(device), 1.0, temperature).argmax(-1).cpu())
    return torch.cat(out)


def voices_to_midi(tokens: torch.Tensor, data: DataConfig, names: Sequence[str], programs: Sequence[int]):
    """One phrase ``[tracks, steps]`` as a PrettyMIDI: a note per run of one pitch, an instrument per track."""
    import pretty_midi

    step = 60.0 / data.tempo / max(1, data.steps_per_bar // 4)
    song = pretty_midi.PrettyMIDI(initial_tempo=data.tempo)
    for k, seq in enumerate(tokens.tolist()):
        inst = pretty_midi.Instrument(int(programs[k % len(programs)]), name=str(names[k % len(names)]))
        start = 0
        for i in range(1, len(seq) + 1):
            if i == len(seq) or seq[i] != seq[start]:
                if seq[start] > 0:
                    inst.notes.append(pretty_midi.Note(90, data.low + seq[start] - 1, start * step, i * step))
                start = i
        song.instruments.append(inst)
    return song


class MusicGenerator:
    """A music model restored from a checkpoint: ``sample(n, seed=, temperature=)`` gives voices."""

    def __init__(self, generator, config: ModelConfig, data: DataConfig, meta: Dict[str, Any], source: Path):
        self.generator = generator.eval().requires_grad_(False)
        self.config, self.data_config, self.source = config, data, source
        self.step = int(meta["step"])
        self.shape = Shape(**meta["shape"])
        self.track_names: List[str] = list(meta["track_names"])
        self.programs: List[int] = [int(p) for p in meta["programs"]]

    @classmethod
    def from_checkpoint(cls, path: Path, tensors, meta, device: str = "cpu", use_ema: bool = True):
        if meta.get("family") != "music":
            raise CheckpointError(f"{path} holds a {meta.get('family')} model; use the command for that family")
        try:
            cfg = from_dict(ModelConfig, meta["model_config"])
            data = from_dict(DataConfig, meta["data_config"])
            shape = Shape(**meta["shape"])
        except (KeyError, TypeError) as e:
            raise CheckpointError(f"{path} lacks the music model's description ({e}); it is corrupt or was "
                                  "written by another ganforge") from None
        prefix = "ema" if use_ema and meta.get("ema") else "generator"
        G = build_checked(lambda: build_model(cfg, shape)["generator"], tensors, {"": prefix}, path)
        load_module_state(G, unprefixed(prefix, tensors), "generator", path)
        return cls(G.to(device), cfg, data, meta, path)

    def sample(self, n: int, seed: int = 0, temperature: float = 1.0) -> torch.Tensor:
        return generate(self.generator, self.shape, n, seed, temperature)

    def songs(self, voices: torch.Tensor) -> list:
        return [voices_to_midi(v, self.data_config, self.track_names, self.programs) for v in voices]

    def save(self, voices: torch.Tensor, out: Union[str, Path], **options) -> Path:
        """``.mid`` (the phrases one after another), ``.wav`` (rendered), ``.png`` (piano rolls) or a folder."""
        return save_samples(self.songs(voices), out, kind="music", **options)

    def config_dict(self) -> dict:
        return asdict(self.config)
