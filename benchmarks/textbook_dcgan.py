"""The textbook baseline: PyTorch-GAN's 32x32 MNIST DCGAN, trained the way the popular scripts do.

A ``Dataset`` that turns every image into a PIL image, resizes it to 32 px and converts it back to
a normalised tensor one sample at a time, a ``DataLoader`` (batch 64, shuffled), fp32, default
memory layout, ``nn.BCELoss`` after a sigmoid, Adam(2e-4, (0.5, 0.999)), and per step a generator
update followed by a discriminator update on the same (detached) fakes. Torchvision's
``Resize``/``ToTensor``/``Normalize`` are reproduced with Pillow and NumPy (same arithmetic).

This file is the baseline that ``benchmarks/speed.py`` measures ganforge against; it is written
the textbook way on purpose and is not used by ganforge itself.
"""
from __future__ import annotations

import time
from typing import Optional

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset


class MNISTPIL(Dataset):
    def __init__(self, images: np.ndarray, size: int = 32):
        self.images, self.size = images, size

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i):
        img = Image.fromarray(self.images[i], mode="L")
        img = img.resize((self.size, self.size), Image.Resampling.BILINEAR)        # transforms.Resize
        x = torch.from_numpy(np.asarray(img, dtype=np.uint8).copy()).float().div(255).unsqueeze(0)  # ToTensor
        return (x - 0.5) / 0.5, 0                                                  # Normalize([0.5], [0.5])


class Generator(nn.Module):
    def __init__(self, latent_dim=100, img_size=32, channels=1):
        super().__init__()
        self.init_size = img_size // 4
        self.l1 = nn.Sequential(nn.Linear(latent_dim, 128 * self.init_size ** 2))
        self.conv_blocks = nn.Sequential(
            nn.BatchNorm2d(128),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(128, 128, 3, stride=1, padding=1), nn.BatchNorm2d(128, 0.8), nn.LeakyReLU(0.2, inplace=True),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(128, 64, 3, stride=1, padding=1), nn.BatchNorm2d(64, 0.8), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(64, channels, 3, stride=1, padding=1), nn.Tanh(),
        )

    def forward(self, z):
        out = self.l1(z).view(z.shape[0], 128, self.init_size, self.init_size)
        return self.conv_blocks(out)


class Discriminator(nn.Module):
    def __init__(self, img_size=32, channels=1):
        super().__init__()

        def block(in_filters, out_filters, bn=True):
            layers = [nn.Conv2d(in_filters, out_filters, 3, 2, 1), nn.LeakyReLU(0.2, inplace=True), nn.Dropout2d(0.25)]
            if bn:
                layers.append(nn.BatchNorm2d(out_filters, 0.8))
            return layers

        self.model = nn.Sequential(*block(channels, 16, bn=False), *block(16, 32), *block(32, 64), *block(64, 128))
        ds_size = img_size // 2 ** 4
        self.adv_layer = nn.Sequential(nn.Linear(128 * ds_size ** 2, 1), nn.Sigmoid())

    def forward(self, img):
        return self.adv_layer(self.model(img).view(img.shape[0], -1))


def weights_init_normal(m):
    name = m.__class__.__name__
    if name.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif name.find("BatchNorm2d") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0.0)


class TextbookDCGAN:
    """Build the baseline; ``train(seconds or steps)`` runs the textbook loop and returns images/s."""

    def __init__(self, images: np.ndarray, batch_size: int = 64, seed: int = 0, latent_dim: int = 100):
        torch.manual_seed(seed)
        self.latent_dim = latent_dim
        self.generator, self.discriminator = Generator(latent_dim), Discriminator()
        self.generator.apply(weights_init_normal)
        self.discriminator.apply(weights_init_normal)
        self.loss = nn.BCELoss()
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.loader = DataLoader(MNISTPIL(images), batch_size=batch_size, shuffle=True)
        self.batch_size = batch_size
        self.steps = 0

    def train(self, seconds: Optional[float] = None, steps: Optional[int] = None) -> float:
        """Train until ``seconds`` of wall time or ``steps`` steps; return training images per second."""
        start, done = time.perf_counter(), 0
        while True:
            for imgs, _ in self.loader:
                valid = torch.ones(imgs.size(0), 1)
                fake = torch.zeros(imgs.size(0), 1)
                self.opt_g.zero_grad()
                z = torch.randn(imgs.shape[0], self.latent_dim)
                gen_imgs = self.generator(z)
                g_loss = self.loss(self.discriminator(gen_imgs), valid)
                g_loss.backward()
                self.opt_g.step()

                self.opt_d.zero_grad()
                real_loss = self.loss(self.discriminator(imgs), valid)
                fake_loss = self.loss(self.discriminator(gen_imgs.detach()), fake)
                d_loss = (real_loss + fake_loss) / 2
                d_loss.backward()
                self.opt_d.step()
                done += 1
                self.steps += 1
                elapsed = time.perf_counter() - start
                if (steps is not None and done >= steps) or (seconds is not None and elapsed >= seconds):
                    return done * self.batch_size / elapsed

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0) -> torch.Tensor:
        """``n`` uint8 samples [n, 1, 32, 32] (eval mode)."""
        self.generator.eval()
        z = torch.randn(n, self.latent_dim, generator=torch.Generator().manual_seed(seed))
        out = self.generator(z).add(1).mul(127.5).round().clamp(0, 255).to(torch.uint8)
        self.generator.train()
        return out
