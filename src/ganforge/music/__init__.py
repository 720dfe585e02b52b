"""The music family: multi-track piano-roll GANs (MuseGAN), a recurrent melody GAN and an MLE baseline."""
