"""The non-GAN baseline ``music-mle``: an autoregressive LSTM over time steps, trained by maximum likelihood.

At each step it reads every track's previous token (embedded) and predicts each track's next token (the
tracks are independent given the past); sampled at a softmax temperature, as the text family's MLE is.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ganforge.music.models.base import MUSIC_MODELS, Shape


class VoiceLM(nn.Module):
    def __init__(self, width: int, layers: int, shape: Shape):
        super().__init__()
        self.shape = shape
        self.embed = nn.Embedding(shape.vocab + 1, width)           # + the start token
        self.mix = nn.Linear(shape.tracks * width, width)
        self.rnn = nn.LSTM(width, width, num_layers=layers, batch_first=True)
        self.out = nn.Linear(width, shape.tracks * shape.vocab)

    def logits(self, inputs: torch.Tensor, state=None):
        """``inputs`` [N, tracks, T] tokens (start token = vocab) -> logits [N, tracks, T, vocab] and the state."""
        n, k, t = inputs.shape
        e = self.embed(inputs).permute(0, 2, 1, 3).reshape(n, t, -1)
        h, state = self.rnn(torch.relu(self.mix(e)), state)
        return self.out(h).view(n, t, k, self.shape.vocab).permute(0, 2, 1, 3), state

    def nll(self, tokens: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood per track token of real voices ``[N, tracks, T]``."""
        start = torch.full_like(tokens[:, :, :1], self.shape.vocab)
        logits, _ = self.logits(torch.cat([start, tokens[:, :, :-1]], 2))
        return F.cross_entropy(logits.reshape(-1, self.shape.vocab).float(), tokens.reshape(-1))

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator, temperature: float = 1.0) -> torch.Tensor:
        s = self.shape
        device = self.out.weight.device
        x = torch.full((n, s.tracks, 1), s.vocab, dtype=torch.long, device=device)
        state, out = None, []
        for _ in range(s.steps):
            logits, state = self.logits(x, state)
            probs = torch.softmax(logits[:, :, -1].float().cpu() / temperature, -1)
            x = torch.multinomial(probs.view(-1, s.vocab), 1, generator=generator).view(n, s.tracks, 1).to(device)
            out.append(x)
        return torch.cat(out, 2).cpu()


@MUSIC_MODELS.register("music-mle")
def music_mle(cfg, shape: Shape):
    return {"generator": VoiceLM(cfg.width, cfg.layers, shape)}
