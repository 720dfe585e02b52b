"""Differentiable augmentation of what the discriminator sees: ADA (Karras et al. 2020) and DiffAugment (Zhao et al. 2020).

Pure PyTorch, on batches in [-1, 1] of any size and 1 or 3 channels. ``augment.kind`` picks
``ada`` (each op kept per image with probability p, steered by the r_t overfitting heuristic) or
``diffaugment`` (every op on every image); ``augment.policy`` names the ops (a registry: one class
and one decorator per op). See docs/augmentation.md.
"""
from ganforge.image.augment import color, diffaugment, geometric  # noqa: F401  (register the augmentations)
from ganforge.image.augment.augmenter import Augmenter
from ganforge.image.augment.controller import AdaController
from ganforge.image.augment.ops import AUGMENTATIONS, POLICIES, policy_names, register_augmentation
from ganforge.image.augment.pipeline import AugmentPipe

__all__ = ["AUGMENTATIONS", "AdaController", "AugmentPipe", "Augmenter", "POLICIES", "policy_names",
           "register_augmentation"]
