"""Audio data: sets built offline (``ganforge data build notes|spoken-digits``) and folders of WAV files."""
