"""LeakGAN (Guo et al., 2018): the discriminator leaks its features to a manager-worker generator.

Long sentences make SeqGAN's one scalar reward per sentence a weak signal. LeakGAN lets the
generator look inside the discriminator instead: at every step the CNN discriminator's feature
vector ``f_t`` of the prefix written so far (``CNNDiscriminator.features``, the same network and
the same features every text GAN here uses) is *leaked* to a **manager** LSTM, which emits a unit
goal vector ``g_t`` in feature space; the **worker** LSTM reads the tokens and turns the sum of the
last ``c`` goals into its goal embedding ``w_t = W_psi(sum g)`` (size k) and scores each token as
``U_t w_t`` (``U_t`` = the worker's output as a ``V x k`` matrix, computed as one linear map of
``w_t ⊗ h_t``).

Training, as in the paper:

- MLE pre-training trains the worker by the NLL and the manager to point where real sentences go:
  ``-cos(f_{t+c} - f_t, g_t)``;
- adversarial steps: Monte-Carlo roll-out rewards every ``c`` tokens (SeqGAN's roll-outs,
  :func:`ganforge.text.models.seqgan.rollout_rewards`), rank-rescaled per step
  (``sigmoid(delta * (0.5 - rank / B))``); the manager maximises ``Q_t * cos(f_{t+c} - f_t, g_t)``,
  the worker follows the intrinsic reward ``1/c * sum_i cos(f_t - f_{t-i}, g_{t-i})`` by REINFORCE;
- interleaved MLE: every ``mle_every``-th generator step is an MLE step on real sentences.

The goals reach the worker detached: each of the two networks is trained by its own objective.
The leaked features are an input (computed without gradient, with the discriminator in eval mode).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.text.models.base import TEXT_MODELS, AdversarialContext, TextModel
from ganforge.text.models.nets import LSTMGenerator, State, feature_width, run_lstm, sequence_nll, token_mask
from ganforge.text.models.seqgan import policy_gradient_loss, rollout_rewards


class Shared:
    """A module held by reference: a deep copy (the EMA generator) leaks the same discriminator."""

    def __init__(self, module: nn.Module):
        self.module = module

    def __deepcopy__(self, memo) -> "Shared":
        return self


@dataclass
class LeakState:
    """Where a LeakGAN generator is in a sentence: both LSTMs, the last c goals and the tokens read so far."""
    worker: Optional[State]
    manager: Optional[State]
    goals: torch.Tensor      # [B, c, F] the last c goals (oldest first)
    prefix: torch.Tensor     # [B, S] the tokens read so far, <pad> after them
    length: int

    def repeat(self, k: int) -> "LeakState":
        def lstm(s):
            return None if s is None else LSTMGenerator.repeat_state(s, k)

        return LeakState(lstm(self.worker), lstm(self.manager), self.goals.repeat(k, 1, 1),
                         self.prefix.repeat(k, 1), self.length)


class LeakGANGenerator(LSTMGenerator):
    """The manager-worker generator. Its ``step``/``forward`` need the discriminator: :meth:`attach` it first."""

    def __init__(self, vocab_size: int, emb_dim: int, hidden_dim: int, seq_len: int, start_token: int,
                 eos: Optional[int], feature_dim: int, goal_size: int, step_size: int, pad: int = 0):
        super().__init__(vocab_size, emb_dim, hidden_dim, seq_len, start_token, eos, pad)
        self.goal_size, self.step_size, self.feature_dim = goal_size, step_size, feature_dim
        self.out = nn.Linear(hidden_dim * goal_size, vocab_size)   # logits = U_t w_t as a map of w_t ⊗ h_t
        self.manager = nn.LSTM(feature_dim, hidden_dim, batch_first=True)
        self.goal_head = nn.Linear(hidden_dim, feature_dim)
        self.psi = nn.Linear(feature_dim, goal_size, bias=False)
        self.leak: Optional[Shared] = None

    def attach(self, discriminator: nn.Module) -> None:
        self.leak = Shared(discriminator)

    # ---------------------------------------------------------------- the leaked features
    @torch.no_grad()
    def leaked(self, prefixes: torch.Tensor) -> torch.Tensor:
        """The discriminator's features ``[N, F]`` of token rows ``[N, L]`` padded to the full length."""
        if self.leak is None:
            raise RuntimeError("a LeakGAN generator needs its discriminator: call attach(discriminator)")
        D = self.leak.module
        x = F.pad(prefixes, (0, self.seq_len - prefixes.shape[1]), value=self.pad)
        was_training = D.training
        D.eval()
        features = D.features(x).float()
        D.train(was_training)
        return features

    def features_along(self, tokens: torch.Tensor) -> torch.Tensor:
        """``[B, T+1, F]``: the features of ``tokens[:, :t]`` for t = 0..T, in one discriminator call."""
        B, T = tokens.shape
        lengths = torch.arange(T + 1, device=tokens.device)
        cols = torch.arange(T, device=tokens.device)
        prefixes = tokens[None].expand(T + 1, B, T).masked_fill(cols[None, None] >= lengths[:, None, None], self.pad)
        return self.leaked(prefixes.reshape(-1, T)).view(T + 1, B, -1).transpose(0, 1)

    def goals_of(self, hidden: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.goal_head(hidden).float(), dim=-1)

    def worker_logits(self, hidden: torch.Tensor, goal_sum: torch.Tensor) -> torch.Tensor:
        w = self.psi(goal_sum.detach())
        return self.out((w[..., :, None] * hidden[..., None, :]).flatten(-2))

    # ---------------------------------------------------------------- teacher forcing and stepping
    def forward_detail(self, tokens: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Teacher forcing: logits ``[B, T, V]``, goals ``[B, T, F]`` (with the manager's gradient) and the
        leaked features ``[B, T+1, F]``."""
        T = tokens.shape[1]
        feats = self.features_along(tokens)
        hidden_m, _ = run_lstm(self.manager, feats[:, :T], None)
        goals = self.goals_of(hidden_m)
        cum = goals.cumsum(1)
        window = cum - F.pad(cum, (0, 0, self.step_size, 0))[:, :T]     # the sum of the last c goals
        inputs = torch.cat([self._start(len(tokens), tokens.device), tokens[:, :-1]], 1)
        hidden_w, _ = self.recur(self.embed(inputs), None)
        return self.worker_logits(hidden_w, window), goals, feats

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.forward_detail(tokens)[0]

    def step(self, token: torch.Tensor, state: Optional[LeakState]) -> Tuple[torch.Tensor, LeakState]:
        n = len(token)
        if state is None:   # ``token`` is the start token: nothing read yet
            state = LeakState(None, None, torch.zeros(n, self.step_size, self.feature_dim, device=token.device),
                              torch.full((n, self.seq_len), self.pad, dtype=torch.long, device=token.device), 0)
            prefix, length = state.prefix, 0
        else:
            prefix, length = state.prefix.clone(), state.length + 1
            prefix[:, state.length] = token
        hidden_m, manager = run_lstm(self.manager, self.leaked(prefix)[:, None], state.manager)
        goals = torch.cat([state.goals[:, 1:], self.goals_of(hidden_m[:, 0])[:, None]], 1)
        hidden_w, worker = self.recur(self.embed(token)[:, None], state.worker)
        logits = self.worker_logits(hidden_w[:, 0], goals.sum(1))
        return logits, LeakState(worker, manager, goals, prefix, length)

    @staticmethod
    def repeat_state(state: LeakState, k: int) -> LeakState:
        return state.repeat(k)

    def gumbel_sample(self, n: int, beta: float):
        raise NotImplementedError("LeakGAN samples tokens; it has no relaxed samples")


def directions(feats: torch.Tensor, goals: torch.Tensor, c: int) -> torch.Tensor:
    """``cos(f_{t+c} - f_t, g_t)`` ``[B, T]`` (0 where t + c > T): how well goal t points where the features went."""
    B, T, _ = goals.shape
    n = max(T + 1 - c, 0)
    cos = F.cosine_similarity(feats[:, c:c + n] - feats[:, :n], goals[:, :n], dim=-1)
    return torch.cat([cos, goals.new_zeros(B, T - n)], 1)


def intrinsic_rewards(feats: torch.Tensor, goals: torch.Tensor, c: int) -> torch.Tensor:
    """The worker's reward for token t: ``1/c * sum_{i=1..c} cos(f_{t+1} - f_{t+1-i}, g_{t+1-i})`` ``[B, T]``."""
    B, T, _ = goals.shape
    total = torch.zeros(B, T, device=goals.device)
    for i in range(1, c + 1):
        if i > T:
            break
        # token t (0-based) moves the features from f_t to f_{t+1}; goal g_{t+1-i} exists for t + 1 - i >= 0
        cos = F.cosine_similarity(feats[:, i:T + 1] - feats[:, :T + 1 - i], goals[:, :T + 1 - i], dim=-1)
        total[:, i - 1:] += cos
    return total / c


def rank_rescale(rewards: torch.Tensor, delta: float) -> torch.Tensor:
    """LeakGAN's bootstrapped rescaled activation: per step, the batch's rewards by rank, ``sigmoid(delta*(0.5 - r/B))``."""
    if not delta:
        return rewards
    B = rewards.shape[0]
    rank = rewards.argsort(dim=0, descending=True, stable=True).argsort(dim=0, stable=True).float() + 1.0
    return torch.sigmoid(delta * (0.5 - rank / B))


@TEXT_MODELS.register("leakgan")
class LeakGAN(TextModel):
    """LeakGAN: a manager-worker generator led by the CNN discriminator's leaked features."""

    defaults = {"train": {"lr_g": 1e-3, "lr_d": 1e-4}}

    def __init__(self, cfg, vocab_size: int, seq_len: int, start_token: int, eos: Optional[int]):
        super().__init__(cfg, vocab_size, seq_len, start_token, eos)
        self.generator.attach(self.discriminator)

    def build_generator(self, vocab_size: int, seq_len: int, start_token: int, eos: Optional[int]) -> nn.Module:
        cfg = self.cfg
        return LeakGANGenerator(vocab_size, cfg.emb_dim, cfg.hidden_dim, seq_len, start_token, eos,
                                feature_width(seq_len, cfg.d_filter_sizes, cfg.d_num_filters), cfg.goal_size,
                                cfg.step_size)

    def manager_loss(self, feats, goals, mask, weights=None) -> torch.Tensor:
        cos = directions(feats, goals, self.cfg.step_size)
        w = mask if weights is None else weights * mask
        return -(cos * w).sum() / mask.sum().clamp_min(1.0)

    def mle_loss(self, real: torch.Tensor):
        G = self.generator
        logits, goals, feats = G.forward_detail(real)
        mask = token_mask(real, G.eos)
        nll = sequence_nll(logits, real, mask)
        manager = self.manager_loss(feats, goals, mask)
        return nll + manager, {"nll": nll, "manager_loss": manager}

    def generator_loss(self, ctx: AdversarialContext):
        cfg, G, D = self.cfg, self.generator, self.discriminator
        if cfg.mle_every and ctx.index % cfg.mle_every == cfg.mle_every - 1:   # interleaved MLE
            loss, extra = self.mle_loss(ctx.real)
            return loss, {f"mle_{k}": v for k, v in extra.items()}
        samples = self.fake_tokens(ctx.batch_size)
        was_training = D.training
        D.eval()
        rewards = rollout_rewards(G, lambda x: torch.sigmoid(D(x)), samples, cfg.rollouts, every=cfg.step_size)
        D.train(was_training)
        mask = token_mask(samples, G.eos)
        logits, goals, feats = G.forward_detail(samples)
        worker = policy_gradient_loss(logits, samples, intrinsic_rewards(feats, goals.detach(), cfg.step_size), mask)
        manager = self.manager_loss(feats, goals, mask, rank_rescale(rewards, cfg.reward_delta))
        return worker + manager, {"reward": (rewards * mask).sum() / mask.sum(), "manager_loss": manager,
                                  "worker_loss": worker}
