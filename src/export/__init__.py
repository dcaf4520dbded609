"""Export an organization file to CSV, JSON Lines, Parquet or Asana-API JSON.

    from src.export import export
    summary = export("output/asana_simulation.sqlite", "parquet", "output/parquet")
    push("output/asana_simulation.sqlite", workspace="1234", token=os.environ["ASANA_ACCESS_TOKEN"])

Each format is one module of this package behind `registry.Format`; `export` checks, builds
the folder atomically and writes `manifest.json` the same way for all of them.  `push` replays
the file into a real Asana workspace (push.py, push_plan.py, asana_client.py).
"""

from .asana_client import PushError
from .asana_schema import AsanaSchemaError
from .push import PushInterrupted, PushPlan, PushSummary, plan, push
from .registry import ExportOptionError, FileInfo, Format, formats
from .run import ExportSummary, export

__all__ = [
    "AsanaSchemaError",
    "ExportOptionError",
    "ExportSummary",
    "FileInfo",
    "Format",
    "PushError",
    "PushInterrupted",
    "PushPlan",
    "PushSummary",
    "export",
    "formats",
    "plan",
    "push",
]
