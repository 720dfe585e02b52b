"""What the image family adds to the evaluation core: the domain classifier, Inception, image sources, resizing."""
