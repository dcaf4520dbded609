"""Export an organization file to CSV, JSON Lines, Parquet or Asana-API JSON.

    from src.export import export
    summary = export("output/asana_simulation.sqlite", "parquet", "output/parquet")

Each format is one module of this package behind `registry.Format`; `export` checks, builds
the folder atomically and writes `manifest.json` the same way for all of them.
"""

from .registry import ExportOptionError, FileInfo, Format, formats
from .run import ExportSummary, export

__all__ = ["ExportOptionError", "ExportSummary", "FileInfo", "Format", "export", "formats"]
