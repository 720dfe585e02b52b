"""A detector of generated images (Wang et al. 2020, "CNN-generated images are surprisingly easy to spot... for now").

A small CNN learns real images against samples of the user's own runs, with blur, JPEG and resize
augmentation so that it keys on what survives them; ``ganforge detect train`` trains it and
``ganforge detect FILE|DIR --model DETECTOR`` scores images (probability of being generated).

- :mod:`~ganforge.image.detect.net`: the network, saved as ``DETECTOR.safetensors`` + ``DETECTOR.json``;
- :mod:`~ganforge.image.detect.data`: real images (a named data set or a folder), samples of runs (image runs
  sample, translation runs translate their own inputs), fitting them to the detector and the augmentation;
- :mod:`~ganforge.image.detect.train`: training, scoring files and average precision.

See docs/detection.md; ``benchmarks/detect.py`` measures the cross-generator matrix.
"""
