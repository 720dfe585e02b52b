"""Sampling from a trained text generator: temperature, top-k and prefix prompts.

    g = ganforge.load("runs/seqgan-...")              # or LoadedTextGenerator.load(...)
    lines = g.sample(20, temperature=0.8, top_k=50, prompt="a man", seed=0)   # list of sentences
    g.save(lines, "samples.txt")

A prompt is split on whitespace like the training data. A word that is not in the run's
vocabulary is an error that names the word(s) (there is no silent ``<unk>``: the model never saw
that word, so a continuation would not be a continuation of the prompt). For oracle runs, whose
tokens are numbers, the prompt is a list of token ids, e.g. ``"12 4051"``.
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import List, Optional, Union

import torch

from ganforge.config import from_dict
from ganforge.errors import CheckpointError, GanforgeError
from ganforge.engine.checkpoint import build_checked, load_checkpoint, load_module_state, unprefixed
from ganforge.engine.run_folder import find_checkpoint, run_folder_of
from ganforge.text.config import TextModelConfig
from ganforge.text.models.nets import LSTMGenerator
from ganforge.text.vocab import VOCAB_FILE, Vocab


class LoadedTextGenerator:
    def __init__(self, generator: LSTMGenerator, vocab: Optional[Vocab], meta: dict, source: Path):
        self.generator = generator.eval().requires_grad_(False)
        self.vocab, self.meta, self.source = vocab, meta, source
        self.step = int(meta["step"])

    @classmethod
    def load(cls, target: Union[str, Path], device: str = "cpu") -> "LoadedTextGenerator":
        path = find_checkpoint(target)
        tensors, meta = load_checkpoint(path)
        return cls.from_checkpoint(path, tensors, meta, device)

    @classmethod
    def from_checkpoint(cls, path: Path, tensors, meta, device: str = "cpu") -> "LoadedTextGenerator":
        """The generator of a loaded checkpoint (the EMA weights when the run kept them), with its vocabulary."""
        if meta.get("family") != "text":
            raise CheckpointError(f"{path} holds a {meta.get('family')} model, not a text model")
        vocab = None
        if not str(meta.get("vocab", "")).startswith("oracle:"):
            vocab = Vocab.load(run_folder_of(path).path / VOCAB_FILE)
            if vocab.fingerprint() != meta["vocab"] or len(vocab) != meta["vocab_size"]:
                raise CheckpointError(f"{run_folder_of(path).path / VOCAB_FILE} ({len(vocab)} tokens) is not the vocabulary "
                                      f"{path} was trained with ({meta['vocab_size']} tokens); restore the run's own "
                                      "vocab.json")
        cfg = from_dict(TextModelConfig, meta["model_config"])
        prefix = "ema" if meta.get("ema") else "generator"
        gen = build_checked(lambda: LSTMGenerator(meta["vocab_size"], cfg.emb_dim, cfg.hidden_dim, meta["seq_len"],
                                                  meta["start_token"], meta["eos"]), tensors, {"": prefix}, path)
        load_module_state(gen, unprefixed(prefix, tensors), "generator", path)
        return cls(gen.to(device), vocab, meta, path)

    def save(self, lines: List[str], out: Union[str, Path]) -> Path:
        """Write sentences to a .txt file, one per line (the media writer of ``kind="text"``)."""
        from ganforge.media.writers import save_samples

        return save_samples(list(lines), out, kind="text")

    def decode(self, ids) -> str:
        if self.vocab is not None:
            return self.vocab.decode(ids)
        return " ".join(str(int(i)) for i in ids)

    def encode_prompt(self, prompt: Optional[str]) -> List[int]:
        if not prompt or not prompt.split():
            return []
        words = prompt.split()
        if self.vocab is None:
            try:
                ids = [int(w) for w in words]
            except ValueError:
                raise GanforgeError(f"this run's tokens are numbers 0..{self.generator.vocab_size - 1}; "
                                    f"give the prompt as token ids, e.g. --prompt \"12 40\"") from None
            bad = [i for i in ids if not 0 <= i < self.generator.vocab_size]
            if bad:
                raise GanforgeError(f"prompt token {bad[0]} is out of range 0..{self.generator.vocab_size - 1}")
        else:
            unknown = self.vocab.unknown(words)
            if unknown:
                close = difflib.get_close_matches(unknown[0], self.vocab.tokens[4:], n=3)
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                raise GanforgeError(f"prompt word(s) {', '.join(repr(w) for w in unknown)} are not in this model's "
                                    f"vocabulary of {len(self.vocab)} tokens{hint}; use words from the training data")
            ids = self.vocab.encode(words)
        if len(ids) >= self.generator.seq_len:
            raise GanforgeError(f"the prompt has {len(ids)} tokens; this model writes at most "
                                f"{self.generator.seq_len - 1}, use a shorter prompt")
        return ids

    def sample_ids(self, n: int, temperature: float = 1.0, top_k: int = 0, prompt: Optional[str] = None,
                   seed: int = 0) -> torch.Tensor:
        if n < 1:
            raise GanforgeError(f"number of samples must be >= 1 (got {n})")
        if temperature <= 0:
            raise GanforgeError(f"temperature must be > 0 (got {temperature}); try 0.8")
        if top_k < 0:
            raise GanforgeError(f"top-k must be >= 0 (got {top_k}; 0 = the whole vocabulary)")
        g = torch.Generator().manual_seed(seed)
        return self.generator.sample(n, temperature, top_k, self.encode_prompt(prompt), generator=g).cpu()

    def sample(self, n: int, temperature: float = 1.0, top_k: int = 0, prompt: Optional[str] = None,
               seed: int = 0) -> List[str]:
        return [self.decode(row) for row in self.sample_ids(n, temperature, top_k, prompt, seed)]
