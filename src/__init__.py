"""asana-seed: an offline, reproducible generator of realistic Asana-like organizations.

from src import Config, generate
summary = generate(Config(seed=7, users=50), "output/demo.sqlite")
"""

from .config import INDUSTRIES, SCALES, Config, resolve_config
from .errors import (
    ConfigError,
    DiskFullError,
    FileIntegrityError,
    InputFileError,
    OutputExistsError,
    OutputPathError,
    RunError,
    SeedError,
)
from .fingerprint import fingerprint_file
from .pipeline import NullProgress, Progress, Summary, generate
from .reproduction import Reproduction, reproduce
from .runs import read_run

__all__ = [
    "INDUSTRIES",
    "SCALES",
    "Config",
    "ConfigError",
    "DiskFullError",
    "FileIntegrityError",
    "InputFileError",
    "NullProgress",
    "OutputExistsError",
    "OutputPathError",
    "Progress",
    "Reproduction",
    "RunError",
    "SeedError",
    "Summary",
    "fingerprint_file",
    "generate",
    "read_run",
    "reproduce",
    "resolve_config",
]
