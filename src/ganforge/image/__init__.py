"""The image family: latent image GANs (models, data, the training task, the sampling pipeline, image metrics)."""
