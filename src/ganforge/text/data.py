"""Text data: UTF-8 files of one sentence per line, the COCO captions and EMNLP news benchmarks, the synthetic oracle.

EMNLP news (``emnlp_news.txt``, 10,000 sentences of 21-48 tokens) comes as one file; it is split
deterministically by position: the first 9,000 lines train, the last 1,000 are the test set.

A corpus holds int64 tensors ``[N, max_len + 1]``: the tokens, one ``<eos>``, then ``<pad>``. The
raw test sentences (whitespace tokens) are kept as well: BLEU compares generated text with them,
not with their ``<unk>``-mapped ids. Problems in a file (missing, empty, binary, not UTF-8) are
one-line :class:`~ganforge.errors.DataError`\\ s; a UTF-8 byte-order mark is dropped; lines longer
than ``max_len`` are dropped, truncated or refused (``data.long_lines``) and a note says how many.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import torch

from ganforge.errors import DataError
from ganforge.text.config import TextDataConfig
from ganforge.text.vocab import BOS, EOS, PAD, Vocab

COCO_TRAIN, COCO_TEST = "image_coco.txt", "image_coco_test.txt"
EMNLP, EMNLP_TEST_LINES = "emnlp_news.txt", 1000   # the last 1,000 lines of emnlp_news.txt are its test set


@dataclass
class TextCorpus:
    name: str
    train: torch.Tensor                   # [N, T] int64
    test: Optional[torch.Tensor]          # [M, T] int64 or None
    test_sentences: Optional[List[List[str]]]
    vocab: Optional[Vocab]                # None for the oracle (tokens are ids 0..V-1)
    seq_len: int
    start_token: int
    eos: Optional[int]
    oracle: Optional[torch.nn.Module] = None
    notes: List[str] = field(default_factory=list)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab) if self.vocab is not None else int(self.oracle.vocab_size)

    def decode(self, ids: Sequence[int]) -> str:
        if self.vocab is not None:
            return self.vocab.decode(ids)
        return " ".join(str(int(i)) for i in ids)


def read_sentences(path: str | Path) -> List[List[str]]:
    """Whitespace-tokenised non-blank lines of a UTF-8 text file; a clear error for anything else."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"text file {path} does not exist; pass a UTF-8 file with one sentence per line")
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        raise DataError(f"{path} looks like a binary file (it contains NUL bytes); pass a UTF-8 text file "
                        "with one sentence per line")
    try:
        text = raw.decode("utf-8-sig")   # a byte-order mark (Windows editors) is not part of the first word
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text (invalid byte at offset {exc.start}); convert it, e.g. "
                        f"iconv -f latin1 -t utf-8") from None
    sentences = [line.split() for line in text.splitlines()]
    sentences = [s for s in sentences if s]
    if not sentences:
        raise DataError(f"{path} has no sentences (it is empty or blank); pass a file with one sentence per line")
    return sentences


def fit_length(sentences: List[List[str]], max_len: int, policy: str, what: str,
               notes: List[str]) -> List[List[str]]:
    """Apply ``data.long_lines`` to sentences longer than ``max_len`` tokens, adding a visible note."""
    long = [i for i, s in enumerate(sentences) if len(s) > max_len]
    if not long:
        return sentences
    longest = max(len(sentences[i]) for i in long)
    if policy == "error":
        raise DataError(f"{what}: {len(long)} line(s) are longer than max_len={max_len} tokens (longest "
                        f"{longest}, line {long[0] + 1}); use --set data.max_len={longest} or "
                        "data.long_lines=drop|truncate")
    if policy == "truncate":
        notes.append(f"{what}: truncated {len(long)} of {len(sentences)} lines longer than {max_len} tokens "
                     f"(longest {longest}; --set data.max_len={longest} keeps them whole)")
        return [s[:max_len] for s in sentences]
    notes.append(f"{what}: dropped {len(long)} of {len(sentences)} lines longer than {max_len} tokens "
                 f"(longest {longest}; --set data.max_len={longest} keeps them)")
    kept = [s for s in sentences if len(s) <= max_len]
    if not kept:
        raise DataError(f"{what}: every line is longer than max_len={max_len}; use --set data.max_len={longest}")
    return kept


def encode(sentences: List[List[str]], vocab: Vocab, seq_len: int) -> torch.Tensor:
    out = torch.full((len(sentences), seq_len), PAD, dtype=torch.long)
    for i, sent in enumerate(sentences):
        ids = vocab.encode(sent) + [EOS]
        out[i, :len(ids)] = torch.tensor(ids)
    return out


def coco_dir(cfg: TextDataConfig) -> Path:
    """The folder of the named benchmark files: ``data.dir`` or ``$GANFORGE_DATA/text``."""
    if cfg.dir:
        return Path(cfg.dir)
    root = os.environ.get("GANFORGE_DATA")
    first = EMNLP if cfg.name == "emnlp" else COCO_TRAIN
    if not root:
        raise DataError(f"the {cfg.name} data set needs a data folder: pass --data-dir FOLDER (holding {first}) or "
                        f"set GANFORGE_DATA to a folder with text/{first}")
    return Path(root) / "text"


def text_files(cfg: TextDataConfig) -> Tuple[Path, Optional[Path]]:
    if cfg.name in ("coco", "emnlp"):
        first, second = (COCO_TRAIN, COCO_TEST) if cfg.name == "coco" else (EMNLP, None)
        folder = coco_dir(cfg)
        if not (folder / first).is_file() and (folder / "text" / first).is_file():
            folder = folder / "text"
        if not (folder / first).is_file():
            raise DataError(f"{folder} has no {first}; pass --data-dir pointing at the folder with "
                            + (f"{COCO_TRAIN} and {COCO_TEST}" if second else first))
        if second is None:
            return folder / first, None
        test = folder / second
        return folder / first, test if test.is_file() else None
    if not cfg.path:
        raise DataError("data.name=file needs a training file: pass --data PATH.txt or --set data.path=PATH")
    return Path(cfg.path), Path(cfg.test_path) if cfg.test_path else None


def emnlp_split(path: Path) -> Tuple[List[List[str]], List[List[str]]]:
    """EMNLP news split by position: every line but the last 1,000 trains, the last 1,000 are the test set."""
    sentences = read_sentences(path)
    if len(sentences) <= EMNLP_TEST_LINES:
        raise DataError(f"{path} has {len(sentences)} sentences; the EMNLP split keeps the last {EMNLP_TEST_LINES} "
                        "for testing and needs more, use the full emnlp_news.txt")
    return sentences[:-EMNLP_TEST_LINES], sentences[-EMNLP_TEST_LINES:]


def oov_note(sentences: List[List[str]], vocab: Vocab, what: str, notes: List[str]) -> None:
    """Note the share of tokens outside the vocabulary; refuse data that does not fit the vocabulary at all."""
    total = sum(len(s) for s in sentences)
    unknown = sum(1 for s in sentences for t in s if t not in vocab.index)
    if total and unknown / total > 0.5:
        raise DataError(f"{what}: {unknown / total:.0%} of its tokens are not in the run's vocabulary "
                        f"({len(vocab)} tokens); this data does not fit this run, train a new run on it")
    if unknown:
        notes.append(f"{what}: {unknown} of {total} tokens ({unknown / total:.1%}) are outside the vocabulary "
                     "and count as <unk>")


def load_corpus(cfg: TextDataConfig, vocab: Optional[Vocab] = None) -> TextCorpus:
    """The corpus named by ``cfg``; with ``vocab`` (a run's saved vocabulary) the data is encoded with it."""
    if cfg.name == "oracle":
        return load_oracle(cfg)
    notes: List[str] = []
    train_path, test_path = text_files(cfg)
    test_raw = test = None
    if cfg.name == "emnlp":
        train_s, test_raw = emnlp_split(train_path)
    else:
        train_s = read_sentences(train_path)
    if cfg.limit:
        train_s = train_s[:cfg.limit]
    train_s = fit_length(train_s, cfg.max_len, cfg.long_lines, str(train_path), notes)
    if vocab is None:
        vocab = Vocab.build(train_s, cfg.vocab_size)
    else:
        oov_note(train_s, vocab, str(train_path), notes)
    seq_len = cfg.max_len + 1
    if test_path is not None:
        test_raw = read_sentences(test_path)
    if test_raw is not None:
        what = f"{test_path}" if test_path is not None else f"{train_path} (last {EMNLP_TEST_LINES} lines)"
        test_s = fit_length(test_raw, cfg.max_len, "truncate" if cfg.long_lines == "drop" else
                            cfg.long_lines, what, notes)
        oov_note(test_s, vocab, what, notes)
        test = encode(test_s, vocab, seq_len)
    name = cfg.name if cfg.name in ("coco", "emnlp") else train_path.name
    # BLEU references are the raw test sentences, whole: only the NLL_gen tensor is cut to max_len
    return TextCorpus(name, encode(train_s, vocab, seq_len), test, test_raw, vocab, seq_len, BOS, EOS, notes=notes)


def load_oracle(cfg: TextDataConfig) -> TextCorpus:
    from ganforge.text.oracle import START_TOKEN, make_oracle, oracle_samples

    oracle = make_oracle(cfg.oracle_vocab, cfg.oracle_hidden, cfg.oracle_len, cfg.oracle_seed)
    train = oracle_samples(oracle, cfg.oracle_samples, seed=cfg.oracle_seed * 2 + 1)
    test = oracle_samples(oracle, min(cfg.oracle_samples, 2000), seed=cfg.oracle_seed * 2 + 2)
    return TextCorpus("oracle", train, test, None, None, cfg.oracle_len, START_TOKEN, None, oracle=oracle)
