"""Media writers: samples to files by suffix (images, text; later audio, MIDI, video)."""
