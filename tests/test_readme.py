"""The README is the user-facing contract: every command and option of the CLI, every
environment key the program reads and every key of continuous mode's TOML files is
documented there, and every option is shown in an example command line of its command.

The commands and options are read from the typer app itself (``typer.main.get_command``), so a
new option fails here until the README shows it."""

from __future__ import annotations

import re
import shlex
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer
from conftest import q

from src.config import ENV_KEYS, OTHER_ENV_KEYS
from src.live import advance
from src.live.settings import ENV_PREFIX, FIELDS
from src.main import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CLI = typer.main.get_command(app)
COMMANDS: dict[str, Any] = dict(CLI.commands)  # type: ignore[attr-defined]
DEFAULT_COMMAND = "generate"  # what `python -m src.main` with no command runs


def _options(command: Any) -> list[tuple[str, ...]]:
    """Each option of ``command`` as its spellings (``("--out", "-o")``), --help left out."""
    return [
        tuple(p.opts + p.secondary_opts)
        for p in command.params
        if p.param_type_name == "option" and "--help" not in p.opts
    ]


def _examples() -> dict[str, set[str]]:
    """Options used per command in the README's example command lines (bash and console
    blocks): ``python -m src.main [COMMAND] ...``, with no command meaning generate."""
    used: dict[str, set[str]] = {}
    for block in re.findall(r"```(?:bash|console)\n(.*?)```", README, re.S):
        for line in block.splitlines():
            line = line.lstrip("$ ")
            if "python -m src.main" not in line:
                continue
            args = shlex.split(line.split("python -m src.main", 1)[1], comments=True)
            name = args[0] if args and args[0] in COMMANDS else DEFAULT_COMMAND
            used.setdefault(name, set()).update(a.split("=")[0] for a in args if a[:1] == "-")
    return used


EXAMPLES = _examples()
OPTIONS = [(name, spellings) for name, cmd in COMMANDS.items() for spellings in _options(cmd)]


def test_the_cli_has_the_commands_the_readme_walks_through() -> None:
    # the walk below must see the real app, not an empty one
    assert {"generate", "validate", "export", "live"} <= set(COMMANDS)
    assert len(OPTIONS) > 50


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_documented_with_an_example(name: str) -> None:
    assert f"`{name}" in README or name == DEFAULT_COMMAND, f"{name} is not in the README"
    assert name in EXAMPLES, f"no example command line runs `{name}`"


@pytest.mark.parametrize(("name", "spellings"), OPTIONS, ids=[f"{n}{s[0]}" for n, s in OPTIONS])
def test_every_option_is_documented_with_an_example(name: str, spellings: tuple[str, ...]) -> None:
    # each spelling is named somewhere (the tables), and one is used in an example of its command
    missing = [s for s in spellings if not re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", README)]
    assert missing == [], f"{name}: {missing} not in the README"
    assert set(spellings) & EXAMPLES.get(name, set()), (
        f"no example of `{name} {spellings[0]}` in the README"
    )


def test_the_root_options_are_the_generate_options() -> None:
    # `python -m src.main --seed 7` documents generate's options: the two must stay the same
    assert _options(CLI) == _options(COMMANDS[DEFAULT_COMMAND])


def _code_keys(relative: str, prefixes: str) -> set[str]:
    """Environment keys a module names as string literals (``"LLM_MODEL"``)."""
    text = (ROOT / relative).read_text(encoding="utf-8")
    return set(re.findall(rf'"((?:{prefixes})(?:_[A-Z0-9]+)*)"', text))


def _env_keys() -> set[str]:
    keys = set(ENV_KEYS.values()) | set(OTHER_ENV_KEYS)
    keys |= _code_keys("src/llm/settings.py", "LLM|GROQ")
    keys |= _code_keys("src/cli/export.py", "ASANA")
    keys |= {ENV_PREFIX + f.upper() for f in FIELDS}
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    keys |= set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, re.M))
    return keys


def test_every_environment_key_is_documented() -> None:
    keys = _env_keys()
    # the sources above were found (a renamed constant must not empty this test)
    assert {"SEED", "LLM_TIMEOUT", "GROQ_API_KEY", "ASANA_ACCESS_TOKEN", "LIVE_LEVEL"} <= keys
    assert sorted(k for k in keys if f"`{k}`" not in README) == []


def test_every_live_toml_key_is_documented() -> None:
    shipped = set()
    for path in sorted(ROOT.glob("live.*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        shipped |= set(data.get("live", data))
        assert f"`{path.name}`" in README
    keys = shipped | set(FIELDS) | {"batch"}
    assert {"mode", "interval", "allow_future"} <= shipped
    assert sorted(k for k in keys if f"`{k}`" not in README and f"`{k} =" not in README) == []


def _example_queries() -> dict[str, str]:
    """The README's example SQL queries, by their first comment line."""
    block = re.search(r"### Example queries\n\n```sql\n(.*?)```", README, re.S)
    assert block, "the README has no example queries"
    queries = [q.strip() for q in re.split(r";\s*\n", block.group(1)) if q.strip()]
    return {q.splitlines()[0].lstrip("- "): q for q in queries}


QUERIES = _example_queries()


@pytest.fixture(scope="module")
def advanced(default_seed42: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the default file whose clock moved on: two runs in generation_runs."""
    path = tmp_path_factory.mktemp("readme") / "advanced.sqlite"
    shutil.copyfile(default_seed42.path, path)
    advance(path, days=10)
    return path


@pytest.mark.parametrize("title", sorted(QUERIES))
def test_every_example_query_answers_on_a_default_and_an_advanced_file(
    title: str, default_seed42: Any, advanced: Path
) -> None:
    for path in (default_seed42.path, advanced):
        assert q(path, QUERIES[title]), f"{title!r} returns nothing on {path.name}"


def test_the_open_work_query_counts_each_task_once_at_the_files_clock(advanced: Path) -> None:
    # a file advanced in continuous mode holds a run row per advance: the query must not
    # count each open task once per run, and overdue is judged at the latest clock
    (title,) = [t for t in QUERIES if t.startswith("Open work per person")]
    got = {name: (n, late) for name, n, late in q(advanced, QUERIES[title])}
    clock = q(advanced, "SELECT substr(anchor, 1, 10) FROM generation_runs ORDER BY id DESC")[0][0]
    want = q(
        advanced,
        """SELECT u.name, COUNT(*), SUM(t.due_on < ?) FROM tasks t
           JOIN users u ON u.id = t.assignee_id WHERE t.completed = 0
           GROUP BY u.id ORDER BY COUNT(*) DESC LIMIT 10""",
        (clock,),
    )
    assert q(advanced, "SELECT COUNT(*) FROM generation_runs")[0][0] == 2
    assert got == {name: (n, late) for name, n, late in want}


def test_the_layout_names_every_package_and_module_of_src() -> None:
    layout = re.search(r"## Layout\n\n```\n(.*?)```", README, re.S)
    assert layout, "the README has no Layout section"
    text = layout.group(1)
    packages = sorted(p.parent for p in (ROOT / "src").rglob("__init__.py"))
    assert len(packages) > 5
    missing = []
    for package in packages:
        rel = package.relative_to(ROOT).as_posix()
        if package != ROOT / "src" and f"{rel}/" not in text:
            missing.append(f"{rel}/")
        for module in package.glob("*.py"):
            if module.stem != "__init__" and not re.search(rf"\b{module.stem}\b", text):
                missing.append(f"{rel}/{module.name}")
    assert missing == []
