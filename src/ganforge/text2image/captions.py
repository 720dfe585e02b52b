"""The caption language of captioned digits: its fixed vocabulary, the two caption templates, prompts as tokens.

    a {size} {thickness} {slant} {digit}                       one digit:  "a large bold upright seven"
    a {thickness} {digit} {relation} a {thickness} {digit}      two digits: "a thin seven left of a bold two"

Relations are ``left of``, ``right of`` (a horizontal canvas) and ``above``, ``below`` (a vertical one).
The vocabulary is fixed here (not learnt from data), so a run, the shipped text-image matcher and every
built data set share one token numbering; a prompt with a word outside it is a one-line error listing
known words. Token 0 pads.
"""
from __future__ import annotations

import re
from typing import Dict, List, Sequence, Tuple

import torch

from ganforge.errors import GanforgeError

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ATTRIBUTE_WORDS: Dict[str, Tuple[str, str, str]] = {      # low, middle, high bucket of each measured attribute
    "size": ("small", "medium", "large"),
    "thickness": ("thin", "regular", "bold"),
    "slant": ("left-slanted", "upright", "right-slanted"),
}
RELATIONS: Dict[str, Tuple[str, Tuple[str, str]]] = {     # relation -> (layout, positions of first and second digit)
    "left of": ("horizontal", ("left", "right")), "right of": ("horizontal", ("right", "left")),
    "above": ("vertical", ("top", "bottom")), "below": ("vertical", ("bottom", "top")),
}
PAD = "<pad>"
VOCAB: Tuple[str, ...] = (PAD, "a", *DIGIT_WORDS, *(w for words in ATTRIBUTE_WORDS.values() for w in words),
                          "left", "right", "of", "above", "below")
INDEX = {w: i for i, w in enumerate(VOCAB)}
MAX_TOKENS = 12          # the longest caption has 9 words; prompts may be a little longer


def single_caption(digit: int, size: str, thickness: str, slant: str) -> str:
    return f"a {size} {thickness} {slant} {DIGIT_WORDS[digit]}"


def pair_caption(digits: Sequence[int], thickness: Sequence[str], relation: str) -> str:
    return (f"a {thickness[0]} {DIGIT_WORDS[digits[0]]} {relation} a {thickness[1]} "
            f"{DIGIT_WORDS[digits[1]]}")


def words_of(text: str) -> List[str]:
    """Lower-cased words of a caption or prompt; commas, full stops and extra spaces dropped, a numeral 0-9 read
    as its word ("a thin 7" is "a thin seven")."""
    words = [w for w in re.split(r"[\s,.;!?]+", str(text).lower()) if w]
    return [DIGIT_WORDS[int(w)] if len(w) == 1 and w.isdigit() else w for w in words]


def encode(text: str) -> List[int]:
    """Token ids of a caption or prompt; unknown words and empty prompts are one-line errors."""
    words = words_of(text)
    if not words:
        raise GanforgeError(f"the prompt is empty; describe the digits with known words, e.g. "
                            f"\"a thin seven left of a bold two\" ({known_words_hint()})")
    unknown = [w for w in words if w not in INDEX or w == PAD]
    if unknown:
        raise GanforgeError(f"the prompt has word(s) this model does not know: {', '.join(repr(w) for w in unknown[:3])};"
                            f" use known words ({known_words_hint()})")
    if len(words) > MAX_TOKENS:
        raise GanforgeError(f"the prompt has {len(words)} words, at most {MAX_TOKENS} fit; shorten it, e.g. "
                            "\"a thin seven left of a bold two\"")
    return [INDEX[w] for w in words]


def known_words_hint() -> str:
    sizes, thick, slant = (ATTRIBUTE_WORDS[k] for k in ("size", "thickness", "slant"))
    return (f"digits zero..nine, {'/'.join(thick)}, {'/'.join(slant)}, {'/'.join(sizes)}, "
            "left of/right of/above/below")


def tokens(texts: Sequence[str]) -> Tuple[torch.Tensor, torch.Tensor]:
    """(int64 ``[N, MAX_TOKENS]`` padded token ids, int64 ``[N]`` lengths) of captions or prompts."""
    ids = [encode(t) for t in texts]
    out = torch.zeros((len(ids), MAX_TOKENS), dtype=torch.int64)
    for i, row in enumerate(ids):
        out[i, :len(row)] = torch.tensor(row, dtype=torch.int64)
    return out, torch.tensor([len(r) for r in ids], dtype=torch.int64)


def bucket(value: float, thresholds: Sequence[float], words: Sequence[str]) -> str:
    """The word of ``value`` given the two tercile thresholds of its attribute (low < t1 <= middle < t2 <= high); values
    are compared at the 4 decimals the data set stores."""
    value = round(float(value), 4)
    return words[0] if value < thresholds[0] else words[1] if value < thresholds[1] else words[2]
