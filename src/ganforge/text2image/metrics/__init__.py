"""What the text2image family adds to the metrics core: R-precision (a shipped text-image matcher) and attribute
accuracy (the MNIST classifier and the measuring functions that made the captions). Importing registers them."""
from ganforge.text2image.metrics import scores  # noqa: F401  (registers the text2image metrics)
from ganforge.text2image.metrics.scores import TextToImageCard, evaluate_images, r_precision

__all__ = ["TextToImageCard", "evaluate_images", "r_precision"]
