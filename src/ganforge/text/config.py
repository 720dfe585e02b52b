"""Typed configuration of a text GAN run (model, data, training), loaded by the shared :mod:`ganforge.config` loader.

Each registered text model may carry its own defaults (e.g. RelGAN's learning rates); they sit
between the dataclass defaults and the user's YAML / ``--set`` overrides.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

from ganforge.config import option
from ganforge.engine.config import LoopConfig


@dataclass
class TextDataConfig:
    name: str = option("coco", choices=("coco", "emnlp", "oracle", "file"),
                       help="coco (image_coco.txt / image_coco_test.txt), emnlp (emnlp_news.txt: first 9,000 "
                       "lines train, last 1,000 test; long sentences, use max_len 50), oracle (synthetic LSTM "
                       "oracle) or file (any UTF-8 text, one sentence per line)")
    dir: Optional[str] = option(None, help="folder holding the COCO / EMNLP files (default: $GANFORGE_DATA/text)")
    path: Optional[str] = option(None, help="training text file (name=file)")
    test_path: Optional[str] = option(None, help="held-out text file for BLEU / NLL_gen (name=file; optional)")
    max_len: int = option(32, min=1, help="longest sentence in tokens (an <eos> is added)")
    long_lines: str = option("drop", choices=("drop", "truncate", "error"),
                             help="what to do with lines longer than max_len (a note says how many)")
    vocab_size: int = option(0, min=0, help="cap the vocabulary at the N most frequent tokens incl. the 4 "
                             "specials (0 = every training token)")
    limit: int = option(0, min=0, help="use only the first N training sentences (0 = all)")
    oracle_seed: int = option(0, min=0, help="seed of the random LSTM oracle (name=oracle)")
    oracle_vocab: int = option(5000, min=2)
    oracle_hidden: int = option(32, min=1)
    oracle_len: int = option(20, min=2)
    oracle_samples: int = option(10000, min=1, help="training sequences drawn from the oracle")


@dataclass
class TextModelConfig:
    name: str = option("seqgan", help="a registered text model: see `ganforge models`")
    emb_dim: int = option(32, min=1, help="generator token embedding size")
    hidden_dim: int = option(32, min=1, help="generator LSTM hidden size")
    d_emb_dim: int = option(64, min=1, help="discriminator embedding size")
    d_filter_sizes: List[int] = field(default_factory=lambda: [2, 3, 4, 5],
                                      metadata={"help": "CNN discriminator filter widths"})
    d_num_filters: int = option(64, min=1, help="filters per width")
    d_dropout: float = option(0.25, min=0.0, max=0.95)
    rollouts: int = option(8, min=1, help="Monte-Carlo roll-outs per token (SeqGAN)")
    gumbel_beta_max: float = option(100.0, min=1.0, help="final inverse temperature of the Gumbel-softmax "
                                    "(RelGAN, TextGAN); annealed exponentially from 1")
    mmd_bandwidths: List[float] = field(default_factory=lambda: [1.0, 4.0, 16.0],
                                        metadata={"help": "Gaussian kernel widths of the feature MMD (TextGAN)"})
    goal_size: int = option(16, min=1, help="LeakGAN: size k of the worker's goal embedding w_t")
    step_size: int = option(4, min=1, help="LeakGAN: c, the manager's horizon in tokens (goals summed over the "
                            "last c steps, roll-out rewards every c tokens)")
    mle_every: int = option(5, min=0, help="LeakGAN: every N-th adversarial generator step is an MLE step on real "
                            "sentences (interleaved training; 0 = off)")
    reward_delta: float = option(16.0, min=0.0, help="LeakGAN: delta of the rank-rescaled rewards "
                                 "sigmoid(delta * (0.5 - rank / B)) (0 = raw roll-out rewards)")
    mask_rate: float = option(0.5, min=0.0, max=1.0, help="MaskGAN: share of each sentence's words masked as one "
                              "contiguous span at the end of the ramp")
    mask_rate_start: float = option(0.1, min=0.0, max=1.0, help="MaskGAN: the mask rate the adversarial phase "
                                    "starts from (ramped linearly to mask_rate); MLE pre-training draws rates "
                                    "between the two")
    full_mask_share: float = option(0.2, min=0.0, max=1.0, help="MaskGAN: share of sentences masked whole, so the "
                                    "model also writes sentences from nothing (sampling, NLL_gen)")
    discount: float = option(0.9, min=0.0, max=1.0, help="MaskGAN: discount of the returns over filled tokens")


@dataclass
class TextTrainConfig(LoopConfig):
    """The engine's keys (:class:`~ganforge.engine.config.LoopConfig`) with the text defaults, plus the phases.

    Every key of ganforge 0.1.0 keeps its name and default, so its config.yaml files still load; a
    text run keeps no EMA of the generator unless ``ema_decay`` is set.
    """
    steps: int = option(200, min=0, help="adversarial generator steps")
    batch_size: int = option(64, min=1, help="global batch (split over processes under torchrun)")
    ema_decay: float = option(0.0, min=0.0, max=1.0, help="EMA of the generator's weights (0 = off, the default "
                              "for text)")
    sample_every: int = option(250, min=1, help="log generated sentences (samples/step_N.txt + TensorBoard) "
                               "every N steps")
    device: str = option("cpu", help="cpu, auto, cuda or cuda:N")
    eval_every: int = option(0, min=0, help="NLL_oracle / NLL_gen every N steps (0 = only at the phase ends)")
    eval_samples: int = option(2000, min=1, help="generated sentences for the in-training NLL_oracle; test sentences for the in-training NLL_gen")
    pretrain_steps: int = option(2000, min=0, help="MLE steps of the generator")
    d_pretrain_steps: int = option(300, min=0, help="discriminator steps against the pre-trained generator")
    d_steps: int = option(3, min=1, help="discriminator steps per adversarial generator step")
    lr_pretrain: float = option(1e-2, min=0.0, help="generator learning rate in MLE pre-training")
    lr_g: float = option(1e-3, min=0.0, help="generator learning rate in the adversarial phase")
    lr_d: float = option(1e-4, min=0.0)
    grad_clip: float = option(5.0, min=0.0, help="clip generator gradient norm (0 = off)")
    init_generator: Optional[str] = option(None, help="run folder or checkpoint whose generator weights start "
                                           "this run (e.g. a finished MLE run: then set pretrain_steps=0)")


@dataclass
class TextRunConfig:
    model: TextModelConfig = field(default_factory=TextModelConfig)
    data: TextDataConfig = field(default_factory=TextDataConfig)
    train: TextTrainConfig = field(default_factory=TextTrainConfig)
