"""Image-to-image translation: pix2pix, CycleGAN, their data sets and metrics."""
