"""MaskGAN (Fedus et al., 2018): an actor-critic GAN that fills in masked spans of a sentence.

- **Generator** (the actor): a seq2seq model. A bidirectional LSTM encoder reads the masked
  sentence (every masked position reads one learned ``<blank>`` vector), and an LSTM decoder writes
  the sentence left to right, reading the previous token and the encoder's state at its position:
  at an unmasked position it copies the given token, at a masked one it samples. With every
  position masked it is a language model, which is how a MaskGAN run is sampled, prompted
  (the prompt is the unmasked start) and scored (NLL_gen) like every other text model.
- **Discriminator**: the same encoder over the masked sentence and an LSTM over the filled one,
  with one logit per token: is this filled-in token real? The **critic** is a head on the
  discriminator's (detached) state before each token that estimates the return from there.
- **Training**: MLE pre-training on masked positions, discriminator pre-training, then
  REINFORCE (:func:`ganforge.text.models.seqgan.policy_gradient_loss`) with reward
  ``log D(x_t)`` per filled token, discounted returns and the critic's value as the baseline
  (advantage = return - value).
- **Masks**: one contiguous span per sentence whose length is a share of its words (the mask
  rate), at a uniform position; a share ``full_mask_share`` of the sentences is masked whole. The
  rate is ramped linearly from ``mask_rate_start`` to ``mask_rate`` over the adversarial phase;
  MLE pre-training draws each sentence's rate between the two. Masks come from the global RNG,
  which the engine seeds per step, so resume stays exact.
"""
from __future__ import annotations

from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.text.models.base import TEXT_MODELS, AdversarialContext, TextModel
from ganforge.text.models.nets import LSTMGenerator, after_eos, pick, run_lstm, sequence_nll, token_mask
from ganforge.text.models.seqgan import policy_gradient_loss

SPECIALS = 4   # ids 0..3 are <pad> <bos> <eos> <unk> in a vocabulary (never a filled-in word)


def contiguous_mask(tokens: torch.Tensor, eos: Optional[int], rate: Union[float, torch.Tensor],
                    full_share: float = 0.0) -> torch.Tensor:
    """Bool ``[B, T]``: per row one span of ``max(1, round(rate * words))`` of its words at a uniform start;
    with probability ``full_share`` the whole row (every position, ``<eos>`` and padding included)."""
    B, T = tokens.shape
    device = tokens.device
    words = token_mask(tokens, eos).sum(1).long()
    if eos is not None:
        words = words - (tokens == eos).any(1).long()
    words = words.clamp_min(1)
    rate = torch.as_tensor(rate, dtype=torch.float32, device=device).expand(B)
    span = torch.minimum((rate * words).round().long().clamp_min(1), words)
    start = (torch.rand(B, device=device) * (words - span + 1)).floor().long()
    pos = torch.arange(T, device=device)[None]
    masked = (pos >= start[:, None]) & (pos < (start + span)[:, None])
    whole = torch.rand(B, device=device) < full_share
    return masked | whole[:, None]


class MaskedEncoder(nn.Module):
    """A bidirectional LSTM over a masked sentence; masked positions read one learned ``<blank>`` vector."""

    def __init__(self, vocab_size: int, emb_dim: int, hidden_dim: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, emb_dim)
        self.blank = nn.Parameter(torch.zeros(emb_dim))
        self.lstm = nn.LSTM(emb_dim, hidden_dim, batch_first=True, bidirectional=True)

    def forward(self, tokens: torch.Tensor, masked: torch.Tensor) -> torch.Tensor:
        emb = self.embed(tokens)
        x = torch.where(masked[..., None], self.blank.to(emb.dtype).expand_as(emb), emb)
        return run_lstm(self.lstm, x, None)[0]


class MaskGenerator(LSTMGenerator):
    """The seq2seq actor: :class:`MaskedEncoder` + an LSTM decoder that reads [previous token, encoder state]."""

    def __init__(self, vocab_size: int, emb_dim: int, hidden_dim: int, seq_len: int, start_token: int,
                 eos: Optional[int], pad: int = 0):
        super().__init__(vocab_size, emb_dim, hidden_dim, seq_len, start_token, eos, pad)
        self.encoder = MaskedEncoder(vocab_size, emb_dim, hidden_dim)
        self.lstm = nn.LSTM(emb_dim + 2 * hidden_dim, hidden_dim, batch_first=True)

    def forward_masked(self, tokens: torch.Tensor, masked: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: logits ``[B, T, V]`` of each position given the masked sentence and the tokens before."""
        context = self.encoder(tokens, masked)
        inputs = torch.cat([self._start(len(tokens), tokens.device), tokens[:, :-1]], 1)
        hidden, _ = self.recur(torch.cat([self.embed(inputs), context.to(self.embed.weight.dtype)], -1), None)
        return self.out(hidden)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Everything masked: the generator as a language model (NLL, NLL_gen)."""
        return self.forward_masked(tokens, torch.ones_like(tokens, dtype=torch.bool))

    @torch.no_grad()
    def fill(self, template: torch.Tensor, masked: torch.Tensor, temperature: float = 1.0, top_k: int = 0,
             generator: Optional[torch.Generator] = None, words_only: bool = False) -> torch.Tensor:
        """``template`` ``[B, T]`` with its ``masked`` positions sampled left to right; masked positions after a
        sampled ``<eos>`` become ``<pad>``. ``words_only`` never writes a special token into a blank."""
        context = self.encoder(template, masked)
        out = template.clone()
        token, state = self._start(len(template), template.device)[:, 0], None
        for pos in range(template.shape[1]):
            if not bool(masked[:, pos:].any()):
                break
            x = torch.cat([self.embed(token), context[:, pos].to(self.embed.weight.dtype)], -1)
            hidden, state = self.recur(x[:, None], state)
            logits = self.out(hidden[:, 0])
            if words_only:
                logits[:, :SPECIALS] = float("-inf")
            token = torch.where(masked[:, pos], pick(logits, temperature, top_k, generator), template[:, pos])
            out[:, pos] = token
        if self.eos is not None:
            out = out.masked_fill(masked & after_eos(out, self.eos), self.pad)
        return out

    @torch.no_grad()
    def sample(self, n: int, temperature: float = 1.0, top_k: int = 0, prefix=None,
               generator: Optional[torch.Generator] = None, batch_size: int = 2048) -> torch.Tensor:
        """``n`` sentences written from nothing (every position masked) or after a forced ``prefix``."""
        device = self.out.weight.device
        chunks = []
        for start in range(0, n, batch_size):
            m = min(batch_size, n - start)
            template = torch.full((m, self.seq_len), self.pad, dtype=torch.long, device=device)
            masked = torch.ones_like(template, dtype=torch.bool)
            if prefix:
                template[:, :len(prefix)] = torch.tensor(list(prefix), dtype=torch.long, device=device)
                masked[:, :len(prefix)] = False
            chunks.append(self.fill(template, masked, temperature, top_k, generator))
        return torch.cat(chunks)

    def continue_from(self, *args, **kwargs):
        raise NotImplementedError("MaskGAN fills masked sentences (fill); it has no roll-outs")

    def gumbel_sample(self, n: int, beta: float):
        raise NotImplementedError("MaskGAN samples tokens; it has no relaxed samples")


class MaskDiscriminator(nn.Module):
    """Judges each token of a filled sentence given the masked one; its critic head values each prefix."""

    def __init__(self, vocab_size: int, emb_dim: int, hidden_dim: int):
        super().__init__()
        self.encoder = MaskedEncoder(vocab_size, emb_dim, hidden_dim)
        self.embed = nn.Embedding(vocab_size, emb_dim)
        self.lstm = nn.LSTM(emb_dim + 2 * hidden_dim, hidden_dim, batch_first=True)
        self.head = nn.Linear(hidden_dim, 1)
        self.critic = nn.Linear(hidden_dim, 1)

    def forward(self, filled: torch.Tensor, masked: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Per-token logits ``[B, T]`` (is token t real?) and the states ``[B, T, H]`` after reading each token."""
        context = self.encoder(filled, masked)
        hidden, _ = run_lstm(self.lstm, torch.cat([self.embed(filled), context.to(self.embed.weight.dtype)], -1),
                             None)
        return self.head(hidden)[..., 0], hidden

    def values(self, hidden: torch.Tensor) -> torch.Tensor:
        """The critic's value ``[B, T]`` of the state *before* token t (trained on detached states)."""
        before = F.pad(hidden.detach(), (0, 0, 1, 0))[:, :-1]
        return self.critic(before)[..., 0].float()


def discounted_returns(rewards: torch.Tensor, scored: torch.Tensor, gamma: float) -> torch.Tensor:
    """``R_t = sum over scored s >= t of gamma^(number of scored tokens between) * r_s`` ``[B, T]``."""
    out = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[:, 0])
    for t in reversed(range(rewards.shape[1])):
        running = torch.where(scored[:, t], rewards[:, t] + gamma * running, running)
        out[:, t] = running
    return out


@TEXT_MODELS.register("maskgan")
class MaskGAN(TextModel):
    """MaskGAN: a seq2seq actor fills masked spans; a per-token discriminator and a critic judge the fills."""

    defaults = {"train": {"lr_g": 1e-3, "lr_d": 1e-3, "d_steps": 1}}

    def build_generator(self, vocab_size: int, seq_len: int, start_token: int, eos: Optional[int]) -> nn.Module:
        return MaskGenerator(vocab_size, self.cfg.emb_dim, self.cfg.hidden_dim, seq_len, start_token, eos)

    def build_discriminator(self, vocab_size: int, seq_len: int) -> nn.Module:
        return MaskDiscriminator(vocab_size, self.cfg.d_emb_dim, self.cfg.hidden_dim)

    def rate(self, progress: float) -> float:
        c = self.cfg
        return c.mask_rate_start + (c.mask_rate - c.mask_rate_start) * min(max(progress, 0.0), 1.0)

    def masks(self, real: torch.Tensor, rate) -> torch.Tensor:
        return contiguous_mask(real, self.generator.eos, rate, self.cfg.full_mask_share)

    def scored(self, tokens: torch.Tensor, masked: torch.Tensor) -> torch.Tensor:
        """The positions a fill is judged on: masked ones up to the sentence's first ``<eos>``."""
        return masked & token_mask(tokens, self.generator.eos).bool()

    def mle_loss(self, real: torch.Tensor):
        c = self.cfg
        lo, hi = sorted((c.mask_rate_start, c.mask_rate))
        masked = self.masks(real, lo + (hi - lo) * torch.rand(len(real), device=real.device))
        loss = sequence_nll(self.generator.forward_masked(real, masked), real, self.scored(real, masked).float())
        return loss, {"nll": loss}

    def fakes(self, real: torch.Tensor, progress: float):
        masked = self.masks(real, self.rate(progress))
        return masked, self.generator.fill(real, masked)

    def discriminator_loss(self, ctx: AdversarialContext):
        masked, fake = self.fakes(ctx.real, ctx.progress)
        D = self.discriminator
        real_logits, _ = D(ctx.real, masked)
        fake_logits, hidden = D(fake, masked)
        on_real, on_fake = self.scored(ctx.real, masked), self.scored(fake, masked)
        r, f = real_logits[on_real], fake_logits[on_fake]
        loss = F.binary_cross_entropy_with_logits(r, torch.ones_like(r)) + \
            F.binary_cross_entropy_with_logits(f, torch.zeros_like(f))
        # the critic learns the return of the fills under the current discriminator
        returns = discounted_returns(F.logsigmoid(fake_logits.detach().float()) * on_fake, on_fake, self.cfg.discount)
        critic = F.mse_loss(D.values(hidden)[on_fake], returns[on_fake])
        return loss + critic, r, f

    def pretrain_discriminator_loss(self, real: torch.Tensor):
        return self.discriminator_loss(AdversarialContext(real, len(real), 0.0))

    def generator_loss(self, ctx: AdversarialContext):
        masked, fake = self.fakes(ctx.real, ctx.progress)
        scored = self.scored(fake, masked)
        with torch.no_grad():
            logits, hidden = self.discriminator(fake, masked)
            rewards = F.logsigmoid(logits.float()) * scored
            returns = discounted_returns(rewards, scored, self.cfg.discount)
            advantage = (returns - self.discriminator.values(hidden)) * scored
        loss = policy_gradient_loss(self.generator.forward_masked(fake, masked), fake, advantage, scored.float())
        n = scored.sum().clamp_min(1)
        return loss, {"reward": rewards.sum() / n, "advantage": advantage.sum() / n, "mask_rate": torch.tensor(
            self.rate(ctx.progress))}
