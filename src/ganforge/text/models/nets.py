"""The networks every text model shares: an LSTM generator and SeqGAN's CNN discriminator.

The generator models a fixed-length token sequence left to right from a start token. It can be
teacher-forced (MLE), sampled (temperature, top-k, a forced prefix), continued from any prefix
(Monte-Carlo roll-outs) and sampled through a Gumbel-softmax relaxation (RelGAN, TextGAN), which
keeps a gradient from the discriminator to the generator. After the first ``<eos>`` every token
is replaced by ``<pad>``, exactly as real sentences are padded, so the discriminator cannot tell
real from fake by what follows the end of a sentence.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

State = Tuple[torch.Tensor, torch.Tensor]


def after_eos(tokens: torch.Tensor, eos: Optional[int]) -> torch.Tensor:
    """Bool mask of the positions that come strictly after the first ``eos`` of each row."""
    if eos is None:
        return torch.zeros_like(tokens, dtype=torch.bool)
    seen = (tokens == eos).long().cumsum(1)
    return (seen - (tokens == eos).long()) > 0


def pad_after_eos(tokens: torch.Tensor, eos: Optional[int], pad: int = 0) -> torch.Tensor:
    return tokens.masked_fill(after_eos(tokens, eos), pad)


def token_mask(tokens: torch.Tensor, eos: Optional[int]) -> torch.Tensor:
    """Float mask of the positions that count in a likelihood: every token up to and including the first eos."""
    return (~after_eos(tokens, eos)).float()


def pick(logits: torch.Tensor, temperature: float = 1.0, top_k: int = 0,
         generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Sample one token per row from softmax(logits / temperature), optionally among the top-k only.

    Inverse-CDF sampling: one uniform number per row (not one per vocabulary entry), which is
    what makes sampling 10,000 sentences over a 5,000-word vocabulary fast on a CPU."""
    logits = logits.float() / temperature
    if top_k and top_k < logits.shape[-1]:
        kth = logits.topk(top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    cdf = (logits - logits.amax(-1, keepdim=True)).exp_().cumsum_(-1)  # unnormalised: u is scaled instead
    u = torch.rand(len(logits), 1, generator=generator, device=logits.device) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).clamp_(max=logits.shape[-1] - 1)[:, 0]


def run_lstm(lstm: nn.LSTM, x: torch.Tensor, state: Optional[State]) -> Tuple[torch.Tensor, State]:
    """Any of the family's LSTMs. Under CPU autocast it runs in fp32 (oneDNN has no bf16 LSTM on CPUs without
    native bf16, and the recurrence is the precision-sensitive part); the layers around it keep the autocast
    precision."""
    if x.device.type == "cpu" and torch.is_autocast_enabled("cpu"):
        with torch.autocast("cpu", enabled=False):
            return lstm(x.float(), None if state is None else tuple(s.float() for s in state))
    return lstm(x, state)


def sequence_nll(logits: torch.Tensor, tokens: torch.Tensor, mask: torch.Tensor,
                 per_sentence: bool = False) -> torch.Tensor:
    """Negative log-likelihood of ``tokens`` under ``logits`` over the positions of ``mask``: the mean per
    counted token, or one sum per sentence."""
    logp = F.log_softmax(logits.float(), -1).gather(-1, tokens[..., None])[..., 0]
    if per_sentence:
        return -(logp * mask).sum(1)
    return -(logp * mask).sum() / mask.sum().clamp_min(1.0)


def feature_width(seq_len: int, filter_sizes: Sequence[int], num_filters: int) -> int:
    """The size of :class:`CNNDiscriminator`'s feature vector (filters wider than the sentence are dropped)."""
    return num_filters * len(conv_sizes(seq_len, filter_sizes))


def conv_sizes(seq_len: int, filter_sizes: Sequence[int]) -> List[int]:
    return [k for k in filter_sizes if k <= seq_len] or [min(filter_sizes)]


class LSTMGenerator(nn.Module):
    def __init__(self, vocab_size: int, emb_dim: int, hidden_dim: int, seq_len: int, start_token: int,
                 eos: Optional[int] = None, pad: int = 0):
        super().__init__()
        self.vocab_size, self.seq_len, self.start_token, self.eos, self.pad = vocab_size, seq_len, start_token, eos, pad
        self.embed = nn.Embedding(vocab_size, emb_dim)
        self.lstm = nn.LSTM(emb_dim, hidden_dim, batch_first=True)
        self.out = nn.Linear(hidden_dim, vocab_size)

    def _start(self, n: int, device) -> torch.Tensor:
        return torch.full((n, 1), self.start_token, dtype=torch.long, device=device)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: logits ``[B, T, V]`` of each position given the tokens before it."""
        inputs = torch.cat([self._start(len(tokens), tokens.device), tokens[:, :-1]], 1)
        hidden, _ = self.recur(self.embed(inputs), None)
        return self.out(hidden)

    def step(self, token: torch.Tensor, state: Optional[State]) -> Tuple[torch.Tensor, State]:
        hidden, state = self.recur(self.embed(token)[:, None], state)
        return self.out(hidden[:, 0]), state

    def recur(self, x: torch.Tensor, state: Optional[State]) -> Tuple[torch.Tensor, State]:
        """The LSTM (in fp32 under CPU autocast, see :func:`run_lstm`)."""
        return run_lstm(self.lstm, x, state)

    def nll(self, tokens: torch.Tensor, per_sentence: bool = False) -> torch.Tensor:
        """Negative log-likelihood per token (mean over counted tokens), or one sum per sentence."""
        return sequence_nll(self(tokens), tokens, token_mask(tokens, self.eos), per_sentence)

    @staticmethod
    def repeat_state(state: State, k: int) -> State:
        """The state of every row repeated ``k`` times (row ``i`` of copy ``j`` at ``j * B + i``), for roll-outs."""
        h, c = state
        return h.repeat(1, k, 1), c.repeat(1, k, 1)

    def states_along(self, tokens: torch.Tensor) -> List[State]:
        """The LSTM state after reading the start token and tokens[:, :t], for t = 0 .. T-1."""
        token = self._start(len(tokens), tokens.device)[:, 0]
        _, state = self.step(token, None)
        states = [state]
        for t in range(tokens.shape[1] - 1):
            _, state = self.step(tokens[:, t], state)
            states.append(state)
        return states

    @torch.no_grad()
    def continue_from(self, prefix: torch.Tensor, state: State, temperature: float = 1.0, top_k: int = 0,
                      generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Complete ``prefix`` ``[B, t]`` to the full length, where ``state`` has read the start token and
        every prefix token but the last. Stops early once every row has produced ``<eos>``."""
        n, t = prefix.shape
        out = torch.full((n, self.seq_len), self.pad, dtype=torch.long, device=prefix.device)
        out[:, :t] = prefix
        done = (prefix == self.eos).any(1) if self.eos is not None else torch.zeros(n, dtype=torch.bool,
                                                                                     device=prefix.device)
        if t == 0:
            token = self._start(n, prefix.device)[:, 0]
            state = None
        else:
            token = prefix[:, -1]
        for pos in range(t, self.seq_len):
            if self.eos is not None and bool(done.all()):
                break
            logits, state = self.step(token, state)
            token = pick(logits, temperature, top_k, generator)
            out[:, pos] = token
            if self.eos is not None:
                done |= token == self.eos
        return pad_after_eos(out, self.eos, self.pad)

    @torch.no_grad()
    def sample(self, n: int, temperature: float = 1.0, top_k: int = 0, prefix: Optional[Sequence[int]] = None,
               generator: Optional[torch.Generator] = None, batch_size: int = 2048) -> torch.Tensor:
        """``n`` sequences ``[n, T]``; ``prefix`` (token ids) is forced at the start of every one."""
        device = self.out.weight.device
        chunks = []
        for start in range(0, n, batch_size):
            m = min(batch_size, n - start)
            if prefix:
                pre = torch.tensor(list(prefix), dtype=torch.long, device=device)[None].expand(m, -1)
                states = self.states_along(pre)
                chunks.append(self.continue_from(pre, states[len(prefix) - 1], temperature, top_k, generator))
            else:
                chunks.append(self.continue_from(torch.empty(m, 0, dtype=torch.long, device=device), None,
                                                 temperature, top_k, generator))
        return torch.cat(chunks)

    def gumbel_sample(self, n: int, beta: float) -> Tuple[torch.Tensor, torch.Tensor]:
        """Relaxed one-hot samples ``softmax(beta * (logits + Gumbel))`` ``[n, T, V]`` with a gradient, and the
        hard tokens ``[n, T]`` (their argmax) that are fed back as the next input (RelGAN)."""
        device = self.out.weight.device
        token, state = self._start(n, device)[:, 0], None
        soft, hard = [], []
        for _ in range(self.seq_len):
            logits, state = self.step(token, state)
            gumbel = -torch.empty_like(logits).exponential_().log()
            perturbed = logits + gumbel
            soft.append(F.softmax(beta * perturbed, -1))
            token = perturbed.argmax(-1).detach()
            hard.append(token)
        soft_t, hard_t = torch.stack(soft, 1), torch.stack(hard, 1)
        if self.eos is not None:
            late = after_eos(hard_t, self.eos)
            pad_hot = F.one_hot(torch.full_like(hard_t, self.pad), self.vocab_size).float()
            soft_t = torch.where(late[..., None], pad_hot, soft_t)
            hard_t = hard_t.masked_fill(late, self.pad)
        return soft_t, hard_t


class CNNDiscriminator(nn.Module):
    """SeqGAN's discriminator: embedding, convolutions of several widths, max-over-time, highway, dropout.

    Takes token ids ``[B, T]`` or (relaxed) one-hot rows ``[B, T, V]``; returns one logit per sentence."""

    def __init__(self, vocab_size: int, seq_len: int, emb_dim: int, filter_sizes: Sequence[int], num_filters: int,
                 dropout: float):
        super().__init__()
        sizes = conv_sizes(seq_len, filter_sizes)
        self.embed = nn.Embedding(vocab_size, emb_dim)
        self.convs = nn.ModuleList(nn.Conv1d(emb_dim, num_filters, k) for k in sizes)
        width = num_filters * len(sizes)
        self.highway = nn.Linear(width, 2 * width)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(width, 1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        emb = self.embed(x) if x.dtype == torch.long else x @ self.embed.weight
        h = emb.transpose(1, 2)
        pooled = torch.cat([F.relu(conv(h)).amax(2) for conv in self.convs], 1)
        transform, gate = self.highway(pooled).chunk(2, 1)
        gate = torch.sigmoid(gate)
        return self.dropout(gate * F.relu(transform) + (1 - gate) * pooled)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))[:, 0]
