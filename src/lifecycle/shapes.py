"""How each kind of project runs its work: the pickup, stall, drop, planning and block rates
of time-boxed, operations and intake projects (tests raise them through ``SHAPES``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    """How a kind of project runs its work (issue 9; design values, tuned together so the
    files land in docs/realism.md's bands for completion, lateness, planning and Blocked)."""

    pickup_wd: float  # median working days from creation to the start of work
    pickup_sigma: float
    p_stalled: float  # tasks nobody gets to before the anchor
    p_dropped: float
    p_planned: float  # dated tasks scheduled toward the project's end, started near their date
    p_blocked: float  # work that waits on someone at least once
    block_wd: float  # median length of a block, working days
    p_queued: float  # requests that wait unassigned until picked up (pickup_wd)


# Time-boxed work (launch, sprint, campaign, audit) is planned toward its end date and mostly
# finishes, often late; operations and intake queues keep a steady backlog: requests wait to
# be picked up and some never are.  Time-boxed work is picked up within a fifth of a working
# day (median): at 0.28 the files of a global workforce (hand-offs across time zones wait
# for the next working hours) sat at 6.8-7.1 median days to completion, the band's edge 7.
SHAPES = {
    "timeboxed": Shape(0.2, 1.2, 0.17, 0.025, 0.24, 0.12, 1.0, 0.1),
    "operations": Shape(1.6, 1.4, 0.3, 0.03, 0.0, 0.12, 1.0, 0.28),
    "intake": Shape(2.5, 1.4, 0.4, 0.04, 0.0, 0.12, 1.0, 0.38),
}


def shape_of(kind: str, timeboxed: bool) -> Shape:
    """The shape of a project of this kind (read from SHAPES at call time: tests raise it)."""
    return SHAPES["timeboxed" if timeboxed else kind]
