"""Benchmark: time the default run and the scale presets; print rows/s, peak RSS, and the ratio
to a bare executemany of the same rows into the same schema.

    python scripts/benchmark.py                  # default, small, large
    python scripts/benchmark.py --scales xl      # the 1M-task preset (minutes)
    python scripts/benchmark.py --scales default large --workers 1
    python scripts/benchmark.py --scales xl --no-bare --check   # also time validate and report
    python scripts/benchmark.py --export         # export figures (generates default and large)
    python scripts/benchmark.py --export --default-file a.sqlite --large-file b.sqlite
    python scripts/benchmark.py --llm            # the LLM stage, 300 ms server, concurrency 4 and 8
    python scripts/benchmark.py --llm --llm-concurrency 16
    python scripts/benchmark.py --live --scales default large   # continuous mode

Each preset runs in a fresh child process so its peak RSS is its own.  Targets (2-core machine):
default <= 3 s wall; large (~100k tasks) within 2x the bare insert; xl <= 120 s and <= 2 GB;
with --check, `validate` and `report` on xl <= 60 s each.  Beside the wall seconds it prints the
CPU seconds (user + system of `generate`, its worker processes included; of `validate` and of
`report`) and the load average at the start, as the machine may be shared.

With --llm: the default run's LLM stage (all fields) <= 15 s against a server answering in
300 ms, >= 10 items per call, and a warm-cache rerun adds <= 10% to the template-only run.
With --export: Parquet of the large file <= 15 s and
<= 1 GB peak RSS, asana-json of the default file <= 5 s (validation included); each export runs
in a fresh child process so its peak RSS is its own; its CPU seconds (user + system, the whole
process, imports included) are printed beside the wall seconds, as the machine may be shared.
With --live (continuous mode): `simulate --days 30` <= 3 s on default and <= 60 s on large;
`live` keeps one batch per second at --speed 3600 on large (lag printed); readers' query
latency while live writes within 2x of idle; the WAL stays bounded with a reader attached.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from src.config import resolve_config  # noqa: E402
from src.llm import LLMSettings  # noqa: E402
from src.pipeline import INSERT_ORDER, generate  # noqa: E402
from src.report import build_report  # noqa: E402
from src.schema import apply_schema  # noqa: E402
from src.validate import validate  # noqa: E402

TARGETS = {"default": "<= 3 s", "large": "<= 2x bare insert", "xl": "<= 120 s, <= 2 GB"}
CHECK_TARGETS = {"xl": "target: validate <= 60 s, report <= 60 s"}  # with --check
# (format, which file, target) measured by --export
EXPORTS = (
    ("parquet", "large", "<= 15 s, <= 1 GB"),
    ("csv", "large", ""),
    ("jsonl", "large", ""),
    ("asana-json", "default", "<= 5 s"),
    ("parquet", "default", ""),
)


def bare_insert_seconds(source: Path) -> float:
    """Copy every row of ``source`` into a fresh file with the same schema and pragmas, using
    plain executemany (rows pre-loaded in memory, so only the inserts are timed)."""
    src = sqlite3.connect(source)
    data = {t: src.execute(f'SELECT * FROM "{t}"').fetchall() for t in INSERT_ORDER}
    src.close()
    with tempfile.TemporaryDirectory() as d:
        conn = sqlite3.connect(Path(d) / "bare.sqlite", isolation_level=None)
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA foreign_keys=ON")
        apply_schema(conn, with_indexes=False)
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        for t, rows in data.items():
            if rows:
                conn.executemany(f'INSERT INTO "{t}" VALUES ({",".join("?" * len(rows[0]))})', rows)
        conn.execute("COMMIT")
        conn.execute("BEGIN")
        from src.schema import create_indexes

        create_indexes(conn)
        conn.execute("COMMIT")
        seconds = time.perf_counter() - t0
        conn.close()
    return seconds


def check_seconds(path: Path, folder: Path) -> dict[str, float]:
    """Wall and CPU seconds for `validate` (rules and scorecard, as the CLI runs them) and for
    `report`."""
    c0, t0 = _cpu_seconds(), time.perf_counter()
    validate(path, with_scorecard=True)
    c1, t1 = _cpu_seconds(), time.perf_counter()
    build_report(path, folder / "report.html")
    c2, t2 = _cpu_seconds(), time.perf_counter()
    return {
        "validate_s": round(t1 - t0, 2),
        "validate_cpu_s": round(c1 - c0, 2),
        "report_s": round(t2 - t1, 2),
        "report_cpu_s": round(c2 - c1, 2),
    }


def child(scale: str, workers: int | None, bare: bool, check: bool = False) -> None:
    config = resolve_config({"scale": scale, "end_date": "2026-06-30", "seed": 42}, {}, None)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"{scale}.sqlite"
        c0, t0 = _cpu_seconds(), time.perf_counter()
        summary = generate(config, path, workers=workers)
        wall = time.perf_counter() - t0
        cpu = _cpu_seconds() - c0  # the workers are joined (reaped) when generate returns
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rows = sum(summary.row_counts.values())
        result = {
            "scale": scale,
            "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "rows": rows,
            "tasks": summary.row_counts["tasks"],
            "stories": summary.row_counts["stories"],
            "rows_per_s": round(rows / wall),
            "peak_rss_mb": round(max(rss_mb, rss_children)),
            "stages": {k: round(v, 2) for k, v in summary.stage_seconds.items()},
            "size_mb": round(path.stat().st_size / 2**20, 1),
        }
        if bare:
            b = bare_insert_seconds(path)
            result["bare_insert_s"] = round(b, 2)
            result["ratio_to_bare"] = round(wall / b, 2)
        if check:
            result.update(check_seconds(path, Path(d)))
    print(json.dumps(result))


def export_child(fmt: str, source: Path) -> None:
    from src.export import export

    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        summary = export(source, fmt, Path(d) / "out")
        wall = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in (Path(d) / "out").iterdir())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rows = sum(summary.row_counts.values())
    print(json.dumps({"wall_s": round(wall, 2), "rows": rows,
                      "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
                      "peak_rss_mb": round(usage.ru_maxrss / 1024),
                      "size_mb": round(size / 2**20, 1)}))  # fmt: skip


def export_figures(default_file: Path | None, large_file: Path | None) -> None:
    """Time each export of EXPORTS in its own process; generate the files not given."""
    with tempfile.TemporaryDirectory() as d:
        files = {"default": default_file, "large": large_file}
        for scale, given in files.items():
            if given is None:
                files[scale] = Path(d) / f"{scale}.sqlite"
                config = resolve_config({"scale": scale, "end_date": "2026-06-30"}, {}, None)
                generate(config, files[scale])
        print(f"{'format':<11} {'file':<8} {'wall s':>7} {'cpu s':>6} {'rows':>10} "
              f"{'peak MB':>8} {'out MB':>7}  target")  # fmt: skip
        for fmt, scale, target in EXPORTS:
            cmd = [sys.executable, __file__, "--export-child", fmt, str(files[scale])]
            r = json.loads(
                subprocess.run(cmd, check=True, capture_output=True, text=True)
                .stdout.strip()
                .splitlines()[-1]
            )
            print(f"{fmt:<11} {scale:<8} {r['wall_s']:>7} {r['cpu_s']:>6} {r['rows']:>10,} "
                  f"{r['peak_rss_mb']:>8} {r['size_mb']:>7}  {target}")  # fmt: skip


class _SlowEcho(BaseHTTPRequestHandler):
    """A chat-completions server that answers every batch after a fixed delay, echoing each
    item's draft as its text (so every reply passes the checks)."""

    delay = 0.3
    calls = 0

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        content = body["messages"][-1]["content"]
        items = json.loads(content[content.rindex('{"items":[') :])["items"]
        entries = [
            {
                "id": it["id"],
                "text": it["draft"],
                **({"title": it["draft_title"]} if "draft_title" in it else {}),
            }
            for it in items
        ]
        time.sleep(self.delay)
        reply = {
            "choices": [
                {"message": {"role": "assistant", "content": json.dumps({"items": entries})}}
            ],
            "usage": {
                "prompt_tokens": len(content) // 4,
                "completion_tokens": len(json.dumps(entries)) // 4,
            },
        }
        data = json.dumps(reply).encode()
        type(self).calls += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def llm_benchmark(concurrencies: list[int], delay: float) -> None:
    """LLM runs with a cold cache (one per concurrency), the template-only run and the LLM
    rerun with the warm cache (median of 5 each): default scale, all fields, against a loopback
    server answering every request in ``delay`` seconds."""
    _SlowEcho.delay = delay
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _SlowEcho)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    config = resolve_config({"scale": "default", "end_date": "2026-06-30", "seed": 42}, {}, None)
    with tempfile.TemporaryDirectory() as d:
        base = Path(d)

        def llm(c: int, cache: str) -> LLMSettings:
            url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
            return LLMSettings(
                provider="openai", model="bench", base_url=url, cache_path=base / cache,
                concurrency=c,
            )  # fmt: skip

        generate(config, base / "warmup.sqlite", workers=1)  # imports, vocabularies, page cache
        plan = [(f"cold, concurrency {c}", llm(c, f"cold{c}.sqlite"), 1) for c in concurrencies]
        last = f"cold{concurrencies[-1]}.sqlite"
        plan += [("templates only", None, 5), ("warm cache", llm(concurrencies[-1], last), 5)]
        walls: dict[str, float] = {}
        for name, settings, repeat in plan:
            runs = []
            for k in range(repeat):
                t0 = time.perf_counter()
                summary = generate(config, base / f"run{len(walls)}-{k}.sqlite", llm=settings)
                runs.append((time.perf_counter() - t0, summary))
            wall, summary = sorted(runs, key=lambda x: x[0])[len(runs) // 2]
            walls[name] = wall
            r = summary.llm
            if r is None:
                print(f"{name:<22} wall {wall:6.2f} s")
                continue
            per_call = r.accepted / r.batches if r.batches else 0
            hit_rate = r.cache_hits / r.items if r.items else 0
            print(
                f"{name:<22} wall {wall:6.2f} s  llm stage {summary.stage_seconds['llm']:6.2f} s"
                f"  calls {r.calls:4}  items/call {per_call:5.1f}  items {r.items:,}  "
                f"cache hit rate {hit_rate:.0%}  fallbacks {dict(r.fallbacks) or 0}"
            )
        extra = walls["warm cache"] / walls["templates only"] - 1
        print(f"warm-cache rerun adds {extra:.0%} to the template-only run (target <= 10%)")
    httpd.shutdown()


READER_QUERIES = (
    "SELECT assignee_id, count(*) FROM tasks WHERE completed = 0 GROUP BY assignee_id",
    "SELECT count(*) FROM stories WHERE created_at >= (SELECT max(created_at) FROM stories)",
    "SELECT p.name, count(*) FROM tasks t JOIN task_memberships m ON m.task_id = t.id "
    "JOIN projects p ON p.id = m.project_id WHERE t.completed = 0 GROUP BY p.id",
)


def _reader_latency(path: Path, seconds: float) -> tuple[float, int]:
    """Median seconds of one round of READER_QUERIES (each round one read transaction)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        for q in READER_QUERIES:
            conn.execute(q).fetchall()
        conn.execute("COMMIT")
        times.append(time.perf_counter() - t0)
    conn.close()
    times.sort()
    return times[len(times) // 2], len(times)


def _reader(path: Path, stop: Any, found: Any) -> None:
    """The attached reader: one round of READER_QUERIES after another, a second at a time
    timed, until ``stop``; says when it starts, then sends the medians."""
    found.put("reading")
    lat = []
    while not stop.is_set():
        lat.append(_reader_latency(path, 1.0)[0])
    found.put(lat)


def live_child(scale: str, batches: int) -> None:
    """simulate --days 30, then live at --speed 3600 with a reader attached."""
    import multiprocessing
    import shutil

    from src.live import Settings, advance
    from src.live.runner import Live

    config = resolve_config({"scale": scale, "end_date": "2026-06-30", "seed": 42}, {}, None)
    result: dict = {"scale": scale}
    with tempfile.TemporaryDirectory() as d:
        base = Path(d) / "base.sqlite"
        generate(config, base)
        path = Path(d) / "sim.sqlite"
        shutil.copyfile(base, path)
        c0, t0 = _cpu_seconds(), time.perf_counter()
        done = advance(path, 30)
        result["simulate_30d_s"] = round(time.perf_counter() - t0, 2)
        result["simulate_30d_cpu_s"] = round(_cpu_seconds() - c0, 2)  # its workers included
        result["simulate_new_stories"] = done.events().get("stories", 0)
        # live: one batch per wall second at x3600, from a working morning, a reader attached
        live_path = Path(d) / "live.sqlite"
        shutil.copyfile(base, live_path)
        advance(live_path, until=done_clock(base) + 9 * 3_600_000)  # 09:00 UTC on the end date
        result["idle_query_s"], _ = _reader_latency(live_path, 5.0)  # the same file, idle
        # the reader is another process (as an agent or a dashboard would be), always
        # attached: one read transaction after another, timed.  Spawned, not forked: a
        # process forked from one with SQLite connections open must not use SQLite.
        ctx = multiprocessing.get_context("spawn")
        stop = ctx.Event()
        found = ctx.Queue()
        wal = live_path.with_name(live_path.name + "-wal")
        wal_max = 0

        def wal_size() -> int:
            return wal.stat().st_size if wal.exists() else 0

        settings = Settings(interval=1.0, speed=3600, allow_future=True)
        with Live(live_path, settings) as live:  # builds the first simulated week
            proc = ctx.Process(target=_reader, args=(live_path, stop, found))
            proc.start()
            found.get()  # the reader is reading
            lags, sizes, secs, cpus = [], [], [], []
            due = time.time()
            for _ in range(batches):
                while time.time() < due:
                    wal_max = max(wal_max, wal_size())
                    time.sleep(0.005)
                c0 = time.thread_time()  # the batch's own CPU (not the checkpoint thread's)
                b = live.run_batch(due=due)
                cpus.append(time.thread_time() - c0)
                lags.append(b.lag)
                sizes.append(b.size)
                secs.append(b.seconds)
                due += 1.0
                wal_max = max(wal_max, wal_size())  # a batch's frames are all in by now
                live.prepare()  # the next batch's days, in the idle time (as the CLI does)
            stop.set()
            lat = found.get()
            proc.join()
        result.update(
            {
                "live_batches": batches,
                "live_events_per_batch": round(sum(sizes) / len(sizes), 1),
                "live_batch_s_median": round(sorted(secs)[len(secs) // 2], 3),
                "live_batch_s_max": round(max(secs), 2),
                "live_batch_cpu_s_median": round(sorted(cpus)[len(cpus) // 2], 3),
                "live_batch_cpu_s_max": round(max(cpus), 3),
                "live_lag_s_max": round(max(lags), 2),
                "live_lag_s_end": round(lags[-1], 2),
                "live_sim_hours": round((live.clock - live.started_clock) / 3_600_000, 2),
                "live_query_s": round(sorted(lat)[len(lat) // 2], 4) if lat else None,
                "wal_max_mb": round(wal_max / 2**20, 1),
            }
        )
        result["idle_query_s"] = round(result["idle_query_s"], 4)
    print(json.dumps(result))


def _cpu_seconds() -> float:
    """User + system seconds of this process and its finished children (the workers)."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


LIVE_TARGETS = {"default": "<= 3 s", "large": "<= 60 s"}


def print_live(r: dict) -> None:
    """One block of figures per scale, each beside its target."""
    lat, idle = r["live_query_s"], r["idle_query_s"]
    ratio = f"{lat / idle:.2f}x" if lat and idle else "-"
    print(f"{r['scale']}:")
    print(
        f"  simulate --days 30   {r['simulate_30d_s']} s wall, {r['simulate_30d_cpu_s']} s CPU, "
        f"{r['simulate_new_stories']:,} new stories   target {LIVE_TARGETS.get(r['scale'], '')}"
    )
    print(
        f"  live --speed 3600    {r['live_batches']} batches, {r['live_events_per_batch']} events "
        f"a batch, batch s median {r['live_batch_s_median']} max {r['live_batch_s_max']}, "
        f"CPU s median {r['live_batch_cpu_s_median']} max {r['live_batch_cpu_s_max']}"
    )
    print(
        f"  lag                  max {r['live_lag_s_max']} s, at the end {r['live_lag_s_end']} s, "
        f"{r['live_sim_hours']} simulated hours in {r['live_batches']} batches   target ~0"
    )
    print(
        f"  reader query round   idle {idle * 1000:.1f} ms, while live writes "
        f"{lat * 1000:.1f} ms ({ratio})   target <= 2x"
    )
    print(f"  WAL max              {r['wal_max_mb']} MB   bounded (16 MB limit)")  # fmt: skip


def print_started(mode: str = "") -> None:
    """The first line of every benchmark: when, at what load, on which Python and SQLite (the
    figures of a shared machine move with its load)."""
    print(
        f"benchmark{' ' + mode if mode else ''} {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}, "
        f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}"
    )


def done_clock(path: Path) -> int:
    from src.live import file_clock

    return file_clock(path).clock


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scales", nargs="+", default=["default", "small", "large"])
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--no-bare", action="store_true", help="skip the bare-insert comparison")
    ap.add_argument(
        "--check", action="store_true", help="also time `validate` and `report` on each file"
    )
    ap.add_argument("--export", action="store_true", help="time the export formats instead")
    ap.add_argument("--default-file", type=Path, help="--export: an existing default file")
    ap.add_argument("--large-file", type=Path, help="--export: an existing large file")
    ap.add_argument("--llm", action="store_true", help="benchmark the LLM stage instead")
    ap.add_argument("--llm-concurrency", type=int, nargs="+", default=[4, 8])
    ap.add_argument("--llm-delay", type=float, default=0.3, help="server seconds per reply")
    ap.add_argument("--live", action="store_true", help="benchmark continuous mode instead")
    ap.add_argument("--batches", type=int, default=60, help="--live: batches to time")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--export-child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child and args.live:
        live_child(args.child, args.batches)
        return
    if args.live:
        print_started("--live")
        for scale in args.scales:
            cmd = [sys.executable, __file__, "--live", "--child", scale]
            cmd += ["--batches", str(args.batches)]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            print_live(json.loads(out.strip().splitlines()[-1]))
        return
    if args.export_child:
        export_child(args.export_child[0], Path(args.export_child[1]))
        return
    if args.export:
        print_started("--export")
        export_figures(args.default_file, args.large_file)
        return
    if args.llm:
        print_started("--llm")
        llm_benchmark(args.llm_concurrency, args.llm_delay)
        return
    if args.child:
        child(args.child, args.workers, not args.no_bare, args.check)
        return
    print_started()
    header = (
        f"{'scale':<8} {'wall s':>7} {'cpu s':>7} {'tasks':>9} {'stories':>10} {'rows/s':>9} "
        f"{'peak MB':>8} {'bare s':>7} {'ratio':>6}  target"
    )
    print(header)
    for scale in args.scales:
        cmd = [sys.executable, __file__, "--child", scale]
        if args.workers is not None:
            cmd += ["--workers", str(args.workers)]
        if args.no_bare:
            cmd.append("--no-bare")
        if args.check:
            cmd.append("--check")
        r = json.loads(
            subprocess.run(cmd, check=True, capture_output=True, text=True)
            .stdout.strip()
            .splitlines()[-1]
        )
        print(
            f"{r['scale']:<8} {r['wall_s']:>7} {r['cpu_s']:>7} {r['tasks']:>9,} "
            f"{r['stories']:>10,} {r['rows_per_s']:>9,} {r['peak_rss_mb']:>8} "
            f"{r.get('bare_insert_s', '-'):>7} "
            f"{r.get('ratio_to_bare', '-'):>6}  {TARGETS.get(scale, '')}"
        )
        print(f"         stages: {r['stages']}  file: {r['size_mb']} MB")
        if args.check:
            print(
                f"         validate: {r['validate_s']} s ({r['validate_cpu_s']} s CPU)  "
                f"report: {r['report_s']} s ({r['report_cpu_s']} s CPU)  "
                f"{CHECK_TARGETS.get(scale, '')}"
            )


if __name__ == "__main__":
    main()
