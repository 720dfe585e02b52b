"""Neural style transfer without downloadable weights: Gatys-style optimisation and Johnson-style feed-forward nets.

The loss network is a random-weight multi-scale shallow CNN (:mod:`.nets`, Ustyuzhaninov et al. 2016),
or VGG-19 from a safetensors file the user supplies. ``ganforge stylize`` is the command.
"""
