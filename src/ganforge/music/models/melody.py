"""The melody GAN (C-RNN-GAN, Mogren 2016, on a step grid): a recurrent generator and a bidirectional critic.

The generator's LSTM cell reads, at every time step, fresh noise and its own previous output (the one-hot
voices it just wrote), and writes the tracks' next tokens; the discriminator is a bidirectional LSTM whose
per-step judgements are averaged.
"""
from __future__ import annotations

import torch
from torch import nn

from ganforge.music.models.base import MUSIC_MODELS, Shape, straight_through


class RecurrentGenerator(nn.Module):
    def __init__(self, latent: int, width: int, layers: int, shape: Shape):
        super().__init__()
        self.shape, self.L = shape, latent
        self.latent_dim = latent * (shape.steps + 1)          # one vector per step + one for the whole phrase
        d_out = shape.tracks * shape.vocab
        self.start = nn.Linear(latent, width * layers * 2)
        self.cells = nn.ModuleList(nn.LSTMCell(latent + d_out if i == 0 else width, width) for i in range(layers))
        self.out = nn.Linear(width, d_out)

    def forward(self, z: torch.Tensor, gumbel: torch.Tensor, tau: float = 1.0, temperature: float = 1.0):
        s, n = self.shape, z.shape[0]
        z_phrase, z_steps = z[:, :self.L], z[:, self.L:].view(n, s.steps, self.L)
        init = torch.tanh(self.start(z_phrase)).view(n, len(self.cells), 2, -1)
        state = [(init[:, i, 0].contiguous(), init[:, i, 1].contiguous()) for i in range(len(self.cells))]
        prev = z.new_zeros(n, s.tracks * s.vocab)
        outs = []
        for t in range(s.steps):
            x = torch.cat([z_steps[:, t], prev], 1)
            for i, cell in enumerate(self.cells):
                state[i] = cell(x, state[i])
                x = state[i][0]
            logits = self.out(x).view(n, s.tracks, s.vocab)
            y = straight_through(logits, gumbel[:, :, t], tau, temperature)
            outs.append(y)
            prev = y.reshape(n, -1)
        return torch.stack(outs, 2)


class BidirectionalCritic(nn.Module):
    def __init__(self, width: int, layers: int, shape: Shape):
        super().__init__()
        self.rnn = nn.LSTM(shape.tracks * shape.vocab, width, num_layers=layers, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * width, 1)

    def forward(self, x: torch.Tensor, labels=None) -> torch.Tensor:
        n, k, t, v = x.shape
        h, _ = self.rnn(x.permute(0, 2, 1, 3).reshape(n, t, k * v))
        return self.out(h).mean(dim=(1, 2))


@MUSIC_MODELS.register("melody-gan")
def melody_gan(cfg, shape: Shape):
    return {"generator": RecurrentGenerator(cfg.latent_dim, cfg.width, cfg.layers, shape),
            "discriminator": BidirectionalCritic(cfg.width, cfg.layers, shape)}
