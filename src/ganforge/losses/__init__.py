"""Adversarial losses and discriminator penalties, registered by name."""
from ganforge.losses.gan_losses import LOSSES, GANLoss, create_loss, register_loss
from ganforge.losses.penalties import gradient_penalty, per_example_grad_norm, r1_penalty

__all__ = ["LOSSES", "GANLoss", "create_loss", "register_loss", "gradient_penalty", "per_example_grad_norm",
           "r1_penalty"]
