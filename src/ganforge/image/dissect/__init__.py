"""GAN Dissection for the image family (Bau et al. 2019): which units draw which concepts, and what switching them
off or on does.

- :mod:`~ganforge.image.dissect.concepts`: the registry of concept segmenters (``@register_segmenter``) and the
  digit concepts found by morphology (loops, stroke ends, junctions, bars);
- :mod:`~ganforge.image.dissect.units`: forward hooks on the generator's feature maps, per-unit thresholds and
  the unit-concept IoU;
- :mod:`~ganforge.image.dissect.intervene`: ablation and insertion (everywhere or in a painted region) and their
  measured effect against random units;
- :mod:`~ganforge.image.dissect.report`: the HTML report; :mod:`~ganforge.image.dissect.study`: all of it for a run
  (``ganforge dissect``). See docs/dissection.md.
"""
