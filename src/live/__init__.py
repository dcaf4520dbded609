"""Continuous mode: keep a generated organization alive after its history.

`advance` moves a file's clock by simulated days (the `simulate` command); `Live` hands the
same events out in batches at a wall-clock cadence (the `live` command); `status` reads a
file's clock and live writer.  One engine: the world at a later clock is what the generator
makes with the clock there (lives are drawn to a fixed horizon and censored at the clock).
"""

from .advance import Advanced, advance, file_clock
from .settings import Settings, resolve_settings

__all__ = ["Advanced", "Settings", "advance", "file_clock", "resolve_settings"]
