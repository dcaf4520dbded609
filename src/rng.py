"""Named random streams: every draw comes from a SeedSequence keyed by (stream, entity path).

Addressing a stream by its key (not by spawn order) is what keeps output byte-identical across
runs and worker counts, and lets one part of the config grow without reshuffling the rest: the
tasks of project 7 draw from ``(TASKS, 7)`` whether there are 20 projects or 21.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from enum import IntEnum
from itertools import chain

import numpy as np


class Stream(IntEnum):
    """Stream numbers.  Append only: renumbering changes every generated file."""

    WORKSPACE = 1
    TEAMS = 2
    USERS = 3
    USER_NAMES = 4
    CALENDARS = 5
    CUSTOM_FIELDS = 6
    TAGS = 7
    PROJECTS = 8
    PROJECT_TEXT = 9  # reserved: project names come from PROJECTS (kept: numbers are append-only)
    TASKS = 10
    TASK_TEXT = 11
    STATUS_UPDATES = 12
    TIME_OFF = 13  # personal absences, keyed by user index
    PROJECT_SHAPES = 20  # a project's kind and fate (20+: clear of other branches' streams)
    WEEKENDS = 30  # the weekend days a person works, keyed by user index (30: clear of others)
    WORKLOAD = 31  # the phase of people's shares of work (lifecycle.model.workload)


def seed_sequence(seed: int, stream: Stream, *path: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(int(stream), *(int(p) for p in path)))


def rng_for(seed: int, stream: Stream, *path: int) -> np.random.Generator:
    """The generator for one stream and entity path."""
    return np.random.Generator(np.random.PCG64(seed_sequence(seed, stream, *path)))


def int_seed(seed: int, stream: Stream, *path: int) -> int:
    """A plain integer seed from the same key, for libraries with their own RNG (Faker)."""
    return int(seed_sequence(seed, stream, *path).generate_state(1, np.uint64)[0])


# Values of a block become Python floats this many at a time: a stream that takes a few
# values (most of a project's side streams) converts only those, not its whole block.
_PIECE = 256


def buffered(draw: Callable[[int], np.ndarray], block: int) -> Callable[[], float]:
    """One value per call, served from blocks of ``draw(block)`` (e.g. ``rng.random``).

    The result is a ``chain``'s ``__next__``: no Python frame runs per value, which matters
    on hot paths that draw millions.  The values are those of the blocks, in order; each
    block is drawn when its first value is asked for, as before, so the generator's state
    moves exactly as it did with whole blocks.
    """

    def pieces() -> Iterator[list[float]]:
        while True:
            values = draw(block)
            for i in range(0, block, _PIECE):
                yield values[i : i + _PIECE].tolist()

    return chain.from_iterable(pieces()).__next__


def weighted_index(x: float, weights: tuple[float, ...]) -> int:
    """The index a uniform ``x`` in [0, 1) falls on when the weights (summing to 1) split it."""
    acc = 0.0
    for i, w in enumerate(weights):
        acc += w
        if x < acc:
            return i
    return len(weights) - 1
