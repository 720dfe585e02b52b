"""Image-to-image translation: pix2pix (paired) and CycleGAN (unpaired), trained on folders of images."""
