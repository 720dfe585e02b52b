"""Sampling from a trained text generator: temperature, top-k and prefix prompts.

    g = ganforge.load("runs/seqgan-...")              # or LoadedTextGenerator.load(...)
    lines = g.sample(20, temperature=0.8, top_k=50, prompt="a man", seed=0)   # list of sentences
    g.save(lines, "samples.txt")

    g = ganforge.load("runs/maskgan-...")
    g.fill("a man riding a ___ on the ___", n=3, seed=0)   # MaskGAN runs: fill in the blanks

A prompt is split on whitespace like the training data. A word that is not in the run's
vocabulary is an error that names the word(s) (there is no silent ``<unk>``: the model never saw
that word, so a continuation would not be a continuation of the prompt). For oracle runs, whose
tokens are numbers, the prompt is a list of token ids, e.g. ``"12 4051"``. Fill-in text follows
the same rules; each blank (``___``, any word of two or more underscores) stands for exactly one
word, so the filled sentence has as many words as the text (write ``___ ___`` for two).
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import torch

from ganforge.config import from_dict
from ganforge.errors import CheckpointError, GanforgeError
from ganforge.engine.checkpoint import build_checked, load_checkpoint, load_module_state, unprefixed
from ganforge.engine.run_folder import find_checkpoint, run_folder_of
from ganforge.text.config import TextModelConfig
from ganforge.text.models import TextModel, create_text_model
from ganforge.text.models.nets import LSTMGenerator
from ganforge.text.vocab import VOCAB_FILE, Vocab

BLANK = re.compile(r"^_{2,}$")
FILL_MODELS = ("maskgan",)   # the text models that fill in blanks


class LoadedTextGenerator:
    def __init__(self, generator: LSTMGenerator, vocab: Optional[Vocab], meta: dict, source: Path,
                 model: Optional[TextModel] = None):
        self.generator = generator.eval().requires_grad_(False)
        self.vocab, self.meta, self.source = vocab, meta, source
        self.model = model.eval().requires_grad_(False) if model is not None else None
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
        parts = {"generator": prefix}
        if cfg.name == "leakgan":   # its generator reads the discriminator's features at every step
            parts["discriminator"] = "discriminator"
        model = build_checked(lambda: create_text_model(cfg, meta["vocab_size"], meta["seq_len"], meta["start_token"],
                                                        meta["eos"]), tensors, parts, path)
        for name, tensor_prefix in parts.items():
            load_module_state(model.get_submodule(name), unprefixed(tensor_prefix, tensors), name, path)
        model = model.to(device)
        return cls(model.generator, vocab, meta, path, model)

    def save(self, lines: List[str], out: Union[str, Path], origin=None) -> Path:
        """Write sentences to a .txt file, one per line (the media writer of ``kind="text"``), with a signed
        provenance sidecar when ``origin`` is given (``ganforge.provenance.origin_of(self, seed)``)."""
        from ganforge.media.writers import save_samples

        return save_samples(list(lines), out, kind="text", origin=origin)

    def decode(self, ids) -> str:
        if self.vocab is not None:
            return self.vocab.decode(ids)
        return " ".join(str(int(i)) for i in ids)

    def encode_words(self, words: Sequence[str], what: str = "prompt", hint: str = "") -> List[int]:
        """Token ids of whitespace-split words: unknown words (or, for oracle runs, non-numbers) are errors."""
        if self.vocab is None:
            try:
                ids = [int(w) for w in words]
            except ValueError:
                raise GanforgeError(f"this run's tokens are numbers 0..{self.generator.vocab_size - 1}; "
                                    f"give the {what} as token ids, e.g. \"12 40\"{hint}") from None
            bad = [i for i in ids if not 0 <= i < self.generator.vocab_size]
            if bad:
                raise GanforgeError(f"{what} token {bad[0]} is out of range 0..{self.generator.vocab_size - 1}")
            return ids
        unknown = self.vocab.unknown(words)
        if unknown:
            close = difflib.get_close_matches(unknown[0], self.vocab.tokens[4:], n=3)
            near = f" (did you mean {', '.join(close)}?)" if close else ""
            raise GanforgeError(f"{what} word(s) {', '.join(repr(w) for w in unknown)} are not in this model's "
                                f"vocabulary of {len(self.vocab)} tokens{near}; use words from the training data{hint}")
        return self.vocab.encode(words)

    def encode_prompt(self, prompt: Optional[str]) -> List[int]:
        if not prompt or not prompt.split():
            return []
        ids = self.encode_words(prompt.split())
        if len(ids) >= self.generator.seq_len:
            raise GanforgeError(f"the prompt has {len(ids)} tokens; this model writes at most "
                                f"{self.generator.seq_len - 1}, use a shorter prompt")
        return ids

    @staticmethod
    def check_options(n: int, temperature: float, top_k: int) -> None:
        if n < 1:
            raise GanforgeError(f"number of samples must be >= 1 (got {n})")
        if temperature <= 0:
            raise GanforgeError(f"temperature must be > 0 (got {temperature}); try 0.8")
        if top_k < 0:
            raise GanforgeError(f"top-k must be >= 0 (got {top_k}; 0 = the whole vocabulary)")

    def sample_ids(self, n: int, temperature: float = 1.0, top_k: int = 0, prompt: Optional[str] = None,
                   seed: int = 0) -> torch.Tensor:
        self.check_options(n, temperature, top_k)
        g = torch.Generator().manual_seed(seed)
        return self.generator.sample(n, temperature, top_k, self.encode_prompt(prompt), generator=g).cpu()

    def sample(self, n: int, temperature: float = 1.0, top_k: int = 0, prompt: Optional[str] = None,
               seed: int = 0) -> List[str]:
        return [self.decode(row) for row in self.sample_ids(n, temperature, top_k, prompt, seed)]

    # ------------------------------------------------------------------ filling in blanks (MaskGAN)
    def fill_template(self, text: str) -> Tuple[torch.Tensor, torch.Tensor]:
        """The token row ``[T]`` of a text with blanks and the bool row of its blank positions."""
        model = self.meta.get("model")
        if model not in FILL_MODELS:
            raise GanforgeError(f"this is a {model} run, which writes whole sentences; filling in blanks needs a "
                                f"maskgan run (ganforge train maskgan --data ...), or use --prompt here")
        words = (text or "").split()
        blanks = [bool(BLANK.match(w)) for w in words]
        if not any(blanks):
            raise GanforgeError("the text to fill has no blank; mark each missing word with ___, e.g. "
                                "\"a man riding a ___ on the ___\"")
        limit = self.generator.seq_len - (1 if self.generator.eos is not None else 0)
        if len(words) > limit:
            raise GanforgeError(f"the text to fill has {len(words)} words (blanks included); this model fills "
                                f"sentences of at most {limit}, use a shorter text")
        known = self.encode_words([w for w, b in zip(words, blanks) if not b], "fill",
                                  " (or replace them with ___)")
        ids = iter(known)
        row = [0 if b else next(ids) for b in blanks]
        template = torch.full((self.generator.seq_len,), self.generator.pad, dtype=torch.long)
        template[:len(row)] = torch.tensor(row, dtype=torch.long)
        if self.generator.eos is not None:
            template[len(row)] = self.generator.eos
        masked = torch.zeros(self.generator.seq_len, dtype=torch.bool)
        masked[:len(row)] = torch.tensor(blanks)
        return template, masked

    def fill_ids(self, text: str, n: int = 1, temperature: float = 1.0, top_k: int = 0,
                 seed: int = 0) -> Tuple[torch.Tensor, torch.Tensor]:
        """``n`` fillings ``[n, T]`` of ``text`` and the blank positions ``[n, T]``."""
        self.check_options(n, temperature, top_k)
        template, masked = self.fill_template(text)
        device = self.generator.out.weight.device
        template, masked = template.to(device)[None].expand(n, -1), masked.to(device)[None].expand(n, -1)
        out = self.generator.fill(template, masked, temperature, top_k, torch.Generator().manual_seed(seed),
                                  words_only=self.vocab is not None)
        return out.cpu(), masked.cpu()

    def fill_words(self, text: str, n: int = 1, temperature: float = 1.0, top_k: int = 0,
                   seed: int = 0) -> List[List[Tuple[str, bool]]]:
        """Each filling as (word, filled in?) pairs: what the studio shows with the filled words marked."""
        out, masked = self.fill_ids(text, n, temperature, top_k, seed)
        words = len(text.split())
        return [[(self.decode(row[i:i + 1]), bool(m[i])) for i in range(words)] for row, m in zip(out, masked)]

    def fill(self, text: str, n: int = 1, temperature: float = 1.0, top_k: int = 0, seed: int = 0) -> List[str]:
        """``n`` sentences: ``text`` with every blank (``___``) filled in by the model, one word per blank."""
        return [" ".join(w for w, _ in row) for row in self.fill_words(text, n, temperature, top_k, seed)]
