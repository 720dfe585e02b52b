"""The studio: a local web app to watch GANs learn (Lab), follow runs (Runs) and create with trained models (Create)."""
