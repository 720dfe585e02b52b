"""The text family: vocabulary and data, the synthetic LSTM oracle, MLE / SeqGAN / RelGAN- / TextGAN-style
models, their trainer, sampling (temperature, top-k, prompts) and text metrics (fast BLEU, self-BLEU,
NLL_oracle, NLL_gen, the quality–diversity curve). The CLI glue is :mod:`ganforge.text.family`."""
