"""What the audio family adds to the metrics core: the domain classifier (an extractor) and its scores with a card."""
