"""The config's exception: an :class:`~scoring.errors.InputError`, so the CLI exits with 2."""

from __future__ import annotations

from scoring.errors import InputError


class ConfigError(InputError):
    """A program config that cannot be used; the message names the file, key and fix."""
