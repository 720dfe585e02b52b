"""The text model registry and the base class every text model extends.

A text model owns an LSTM generator and (for GANs) a CNN discriminator, and says how the
adversarial phase computes its two losses; the task (:mod:`ganforge.text.task`) runs MLE
pre-training, discriminator pre-training and the adversarial phase the same way for all of them.
Adding a model is one file with one ``@TEXT_MODELS.register("name")`` class.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.registry import Registry
from ganforge.text.config import TextModelConfig
from ganforge.text.models.nets import CNNDiscriminator, LSTMGenerator

TEXT_MODELS = Registry("text model")


@dataclass
class AdversarialContext:
    """What a model needs to know about the adversarial step it is computing."""
    real: torch.Tensor          # a batch of real sequences [B, T]
    batch_size: int
    progress: float             # 0 at the first adversarial step, 1 at the last
    index: int = 0              # the adversarial step's index within its phase


class TextModel(nn.Module):
    adversarial = True
    # defaults for the config sections (``train``, ``model``) that suit this model; the user's config wins
    defaults: Dict[str, Dict[str, Any]] = {}

    def __init__(self, cfg: TextModelConfig, vocab_size: int, seq_len: int, start_token: int, eos: Optional[int]):
        super().__init__()
        self.cfg = cfg
        self.generator = self.build_generator(vocab_size, seq_len, start_token, eos)
        self.discriminator = self.build_discriminator(vocab_size, seq_len) if self.adversarial else None
        self.init_weights()

    def build_generator(self, vocab_size: int, seq_len: int, start_token: int, eos: Optional[int]) -> nn.Module:
        """The generator (an LSTM language model unless a model says otherwise)."""
        return LSTMGenerator(vocab_size, self.cfg.emb_dim, self.cfg.hidden_dim, seq_len, start_token, eos)

    def build_discriminator(self, vocab_size: int, seq_len: int) -> nn.Module:
        """SeqGAN's CNN discriminator unless a model says otherwise."""
        cfg = self.cfg
        return CNNDiscriminator(vocab_size, seq_len, cfg.d_emb_dim, cfg.d_filter_sizes, cfg.d_num_filters,
                                cfg.d_dropout)

    def init_weights(self) -> None:
        """N(0, 0.1) generator weights as in SeqGAN / Texygen; torch defaults for the discriminator."""
        with torch.no_grad():
            for param in self.generator.parameters():
                param.normal_(0.0, 0.1)

    # -------------------------------------------------------------- shared pieces
    def fake_tokens(self, n: int) -> torch.Tensor:
        return self.generator.sample(n, batch_size=n)

    def classifier_loss(self, real: torch.Tensor, fake: torch.Tensor):
        """Standard binary cross-entropy discriminator loss on real vs fake inputs; also returns the logits."""
        real_logits, fake_logits = self.discriminator(real), self.discriminator(fake)
        loss = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits)) + \
            F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        return loss, real_logits, fake_logits

    def pretrain_discriminator_loss(self, real: torch.Tensor):
        return self.classifier_loss(real, self.fake_tokens(len(real)))

    # -------------------------------------------------------------- what each model defines
    def mle_loss(self, real: torch.Tensor):
        """(loss, dict of statistics) of one maximum-likelihood step on real sentences: the generator's NLL."""
        loss = self.generator.nll(real)
        return loss, {"nll": loss}

    def discriminator_loss(self, ctx: AdversarialContext):
        """(loss, real logits, fake logits) of one adversarial discriminator step."""
        return self.pretrain_discriminator_loss(ctx.real)

    def generator_loss(self, ctx: AdversarialContext):
        """(loss, dict of extra statistics) of one adversarial generator step."""
        raise NotImplementedError


def create_text_model(cfg: TextModelConfig, vocab_size: int, seq_len: int, start_token: int,
                      eos: Optional[int]) -> TextModel:
    return TEXT_MODELS.get(cfg.name)(cfg, vocab_size, seq_len, start_token, eos)


def model_defaults(name: str) -> Dict[str, Dict[str, Any]]:
    return dict(TEXT_MODELS.get(name).defaults)
