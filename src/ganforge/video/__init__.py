"""The video family: GANs that make short clips (MoCoGAN, TGAN) on Moving MNIST or a folder of GIF/MP4 clips.

See docs/video.md: ``ganforge data build moving-mnist``, ``ganforge train mocogan|tgan``, ``ganforge sample``
(.gif, .mp4, strip .png), ``ganforge interpolate --space content|motion`` and ``ganforge eval``.
"""
