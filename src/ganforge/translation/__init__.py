"""Image-to-image translation: pix2pix (paired) and CycleGAN (unpaired) trained on folders of images, the
data sets built offline for them and their metrics."""
