"""User-facing errors: one line that names the problem and the fix.

Anything raised as a ``GanforgeError`` is a user mistake (bad file, bad config, bad name).
The CLI prints its message as ``error: ...`` and exits with status 2, without a traceback.
Programming errors stay ordinary exceptions so that they do show a traceback.
"""
from __future__ import annotations


class GanforgeError(Exception):
    """A mistake in user input; the message says what is wrong and how to fix it."""

    exit_code = 2


class ConfigError(GanforgeError):
    """A config key, value or type is invalid."""


class DataError(GanforgeError):
    """A data set is missing, empty, corrupt or does not fit the model."""


class CheckpointError(GanforgeError):
    """A checkpoint or run folder is missing, truncated or of another model."""


class TrainingDiverged(GanforgeError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""

    exit_code = 3
