"""The audio family: WaveGAN and SpecGAN on one-second clips (rendered notes, synthetic spoken digits, WAV folders)."""
