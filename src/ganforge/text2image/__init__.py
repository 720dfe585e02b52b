"""Text to image: StackGAN-style two-stage generation from captions, on the captioned-digits set (docs/text2image.md)."""
