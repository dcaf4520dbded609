"""Named random streams: a key (seed, stream, path) always gives the same draws, and any change
of the key gives different ones; the values are pinned so a library upgrade that would change
every generated file is caught here first."""

from __future__ import annotations

import pytest

from src.rng import Stream, buffered, int_seed, rng_for


def draws(seed: int, stream: Stream, *path: int) -> list[float]:
    return rng_for(seed, stream, *path).random(8).tolist()


def test_same_key_gives_the_same_draws() -> None:
    # run
    a = draws(7, Stream.TASKS, 3)
    b = draws(7, Stream.TASKS, 3)
    # assert
    assert a == b
    assert len(set(a)) == 8


@pytest.mark.parametrize(
    "other",
    [
        (8, Stream.TASKS, (3,)),  # seed
        (7, Stream.TASK_TEXT, (3,)),  # stream
        (7, Stream.TASKS, (4,)),  # path
        (7, Stream.TASKS, (3, 0)),  # deeper path
        (7, Stream.TASKS, ()),  # shorter path
    ],
    ids=["seed", "stream", "path", "deeper-path", "shorter-path"],
)
def test_any_change_of_the_key_gives_different_draws(other) -> None:
    # setup
    seed, stream, path = other
    # run / assert
    assert draws(seed, stream, *path) != draws(7, Stream.TASKS, 3)


def test_streams_are_all_distinct() -> None:
    # run: the first draw of every stream under one seed and path
    firsts = {s: rng_for(1, s, 0).random() for s in Stream}
    # assert
    assert len(set(firsts.values())) == len(Stream)


def test_draws_do_not_depend_on_other_streams_being_used() -> None:
    # setup
    before = draws(5, Stream.PROJECTS, 2)
    # run: consume other streams heavily (no shared global state may advance)
    rng_for(5, Stream.USERS).random(10_000)
    rng_for(5, Stream.PROJECTS, 1).random(10_000)
    after = draws(5, Stream.PROJECTS, 2)
    # assert
    assert after == before


def test_int_seed_is_stable_and_keyed() -> None:
    # run
    a = int_seed(42, Stream.USER_NAMES, 0)
    # assert: same key, same value; pinned across runs and machines
    assert a == int_seed(42, Stream.USER_NAMES, 0)
    assert isinstance(a, int) and 0 <= a < 2**64
    assert a == 7262149311517988717
    assert int_seed(1, Stream.TASKS, 3, 4) == 8807576821110925218
    assert int_seed(42, Stream.USER_NAMES, 1) != a
    assert int_seed(43, Stream.USER_NAMES, 0) != a


def test_rng_for_values_are_pinned() -> None:
    # a numpy upgrade that changed these would change every generated file
    assert rng_for(42, Stream.TASKS, 0).integers(0, 10**9, 3).tolist() == [
        843308804,
        602369889,
        270225778,
    ]


def test_stream_numbers_are_append_only() -> None:
    # renumbering a stream changes every file: the existing numbers are fixed
    assert [(s.name, int(s)) for s in Stream][:12] == [
        ("WORKSPACE", 1),
        ("TEAMS", 2),
        ("USERS", 3),
        ("USER_NAMES", 4),
        ("CALENDARS", 5),
        ("CUSTOM_FIELDS", 6),
        ("TAGS", 7),
        ("PROJECTS", 8),
        ("PROJECT_TEXT", 9),
        ("TASKS", 10),
        ("TASK_TEXT", 11),
        ("STATUS_UPDATES", 12),
    ]


def test_buffered_serves_whole_blocks_in_order_drawn_when_first_asked() -> None:
    # setup: two buffered streams sharing one generator (as Draws' uniforms and normals do)
    rng = rng_for(3, Stream.TASKS, 9)
    u, z = buffered(rng.random, 1000), buffered(rng.standard_normal, 300)
    # run: interleave them past several blocks of each
    got = [u() for _ in range(5)] + [z() for _ in range(700)] + [u() for _ in range(2500)]
    # assert: the same as drawing whole blocks at the moment each is first needed
    ref = rng_for(3, Stream.TASKS, 9)
    u1 = ref.random(1000).tolist()
    z1 = ref.standard_normal(300).tolist()
    z2 = ref.standard_normal(300).tolist()
    z3 = ref.standard_normal(300).tolist()
    u2, u3 = ref.random(1000).tolist(), ref.random(1000).tolist()
    assert got == u1[:5] + (z1 + z2 + z3)[:700] + (u1 + u2 + u3)[5:2505]
