"""The text vocabulary: whitespace tokens, the special tokens ``<pad> <bos> <eos> <unk>``, saved as JSON with a run.

Ids 0..3 are always ``<pad> <bos> <eos> <unk>``; the other tokens follow by decreasing frequency
in the training file (ties alphabetical), so a vocabulary is a pure function of the file and the
size cap. A word outside the vocabulary encodes to ``<unk>``.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Sequence

from ganforge.errors import CheckpointError, DataError

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")
VOCAB_FORMAT = "ganforge-vocab/1"
VOCAB_FILE = "vocab.json"  # its name in a run folder


class Vocab:
    def __init__(self, tokens: Sequence[str]):
        if tuple(tokens[:4]) != SPECIALS:
            raise DataError(f"a vocabulary must start with {' '.join(SPECIALS)}; got {list(tokens[:4])}")
        self.tokens: List[str] = list(tokens)
        self.index: Dict[str, int] = {t: i for i, t in enumerate(self.tokens)}
        if len(self.index) != len(self.tokens):
            raise DataError("a vocabulary lists a token twice; rebuild it from the data")

    @classmethod
    def build(cls, sentences: Iterable[Sequence[str]], max_size: int = 0) -> "Vocab":
        """From tokenised sentences; ``max_size`` caps the total size including the 4 specials (0 = no cap)."""
        counts = Counter(tok for sent in sentences for tok in sent if tok not in SPECIALS)
        words = sorted(counts, key=lambda w: (-counts[w], w))
        if max_size:
            words = words[:max(0, max_size - len(SPECIALS))]
        return cls(list(SPECIALS) + words)

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: Sequence[str]) -> List[int]:
        return [self.index.get(t, UNK) for t in tokens]

    def unknown(self, tokens: Sequence[str]) -> List[str]:
        return [t for t in tokens if t not in self.index]

    def decode(self, ids: Iterable[int]) -> str:
        """Tokens up to the first ``<eos>``, skipping ``<pad>`` and ``<bos>``."""
        out = []
        for i in ids:
            i = int(i)
            if i == EOS:
                break
            if i in (PAD, BOS):
                continue
            out.append(self.tokens[i])
        return " ".join(out)

    def save(self, path: str | Path) -> None:
        from ganforge.files import atomic_write

        text = json.dumps({"format": VOCAB_FORMAT, "tokens": self.tokens}, ensure_ascii=False)
        atomic_write(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))

    @classmethod
    def load(cls, path: str | Path) -> "Vocab":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CheckpointError(f"vocabulary {path} is missing or corrupt ({type(exc).__name__}); "
                                  "restore it from the run folder or start a new run") from None
        if not isinstance(data, dict) or data.get("format") != VOCAB_FORMAT:
            raise CheckpointError(f"{path} is not a ganforge vocabulary ({VOCAB_FORMAT}); pass the run's vocab.json")
        return cls(data["tokens"])

    def fingerprint(self) -> str:
        import hashlib

        return hashlib.sha256("\n".join(self.tokens).encode("utf-8")).hexdigest()[:16]
