"""The engine every family trains on: the loop (loop.py), named state and checkpoints, the run folder, batches, devices."""
