"""The project's wiring: one place for each setting and key, no import cycles, no noise.

What a newcomer relies on without reading every module: a ``NEWSBOT_*`` setting has its
default in ``newsbot/config.py`` only, a meta key is spelled in ``newsbot/keys.py`` only,
modules import each other without cycles, a bad setting stops the run with one line, and a
crawl does not warn about components the user never turned off.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from scrapy.settings import Settings

import newsbot.settings
from newsbot.config import DEFAULT_CHROMIUM, ConfigError, NewsbotConfig
from tests.conftest import SampleSite, run_crawl

PACKAGE = Path(newsbot.settings.__file__).parent
README = PACKAGE.parent / "README.md"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def test_every_newsbot_setting_has_its_default_in_config_only() -> None:
    fields = {f.metadata["setting"] for f in NewsbotConfig.__dataclass_fields__.values()}
    set_in_settings_py = {name for name in vars(newsbot.settings) if name.startswith("NEWSBOT_")}
    assert not set_in_settings_py, f"defaults repeated in settings.py: {set_in_settings_py}"
    named_in_readme = set(re.findall(r"`(NEWSBOT_[A-Z_]+)`", README.read_text("utf-8")))
    assert named_in_readme - {"NEWSBOT_BENCH_PROBE"} <= fields, named_in_readme - fields
    for name, path in _modules().items():
        if name == "newsbot.config":
            continue
        source = path.read_text("utf-8")
        reads = re.findall(r"settings\.get(?!priority)\w*\(\s*[\"'](NEWSBOT_\w+)", source)
        assert not reads, f"{path} reads {reads} itself, not through NewsbotConfig"


def test_the_readme_gives_the_defaults_config_has() -> None:
    defaults = {
        f.metadata["setting"]: f.default for f in NewsbotConfig.__dataclass_fields__.values()
    }
    defaults["NEWSBOT_CHROMIUM_PATH"] = DEFAULT_CHROMIUM  # unset: the environment, else this
    rows = re.findall(r"^\| `(NEWSBOT_[A-Z_]+)` \| `([^`]*)` \|", README.read_text("utf-8"), re.M)
    assert len(rows) >= 10, "the README's settings table moved"
    for name, documented in rows:
        assert documented == str(defaults[name]), f"README says {name}={documented}"


def test_a_bad_setting_is_refused_with_its_name() -> None:
    with pytest.raises(ConfigError, match="NEWSBOT_MIN_WORDS"):
        NewsbotConfig.from_settings(Settings({"NEWSBOT_MIN_WORDS": "many"}))
    with pytest.raises(ConfigError, match="NEWSBOT_NEAR_DUPLICATE_SIMILARITY"):
        NewsbotConfig.from_settings(Settings({"NEWSBOT_NEAR_DUPLICATE_SIMILARITY": "2"}))
    config = NewsbotConfig.from_settings(Settings({"NEWSBOT_FEED": "", "NEWSBOT_MIN_WORDS": "3"}))
    assert (config.feed, config.min_words, config.near_duplicate_window_days) == (None, 3, 14)


def test_a_bad_setting_stops_the_crawl_before_it_starts(tmp_path: Path) -> None:
    run = run_crawl(tmp_path, settings={"NEWSBOT_TOPIC_REVISIT_DAYS": "a week"})
    assert run.returncode == 2, run.log[-3000:]
    assert "Not crawling: bad setting NEWSBOT_TOPIC_REVISIT_DAYS" in run.log
    assert "Traceback" not in run.log, run.log


def test_meta_keys_are_spelled_only_in_keys_py() -> None:
    for name, path in _modules().items():
        if name == "newsbot.keys" or name.startswith("newsbot.sample_site"):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not re.fullmatch(r"newsbot_[a-z_]+", node.value), (
                    f"{path}:{node.lineno} spells the meta key {node.value!r}; "
                    "import it from newsbot.keys"
                )


def test_modules_import_each_other_without_cycles() -> None:
    """Module-level imports only: an import inside a function is a cycle held apart."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.parse(path.read_text("utf-8")).body:
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = [*path[path.index(name) :], name]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        for target in sorted(graph[name]):
            visit(target, [*path, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])


@pytest.mark.e2e
@pytest.mark.parametrize("mode", ["one process", "redis"])
def test_a_crawl_warns_about_no_component_the_user_left_alone(
    mode: str, sample_site: SampleSite, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = {}
    if mode == "redis":
        settings = {
            "NEWSBOT_REDIS_URL": request.getfixturevalue("redis_server"),
            "NEWSBOT_REDIS_PREFIX": request.getfixturevalue("redis_namespace"),
        }
    run = run_crawl(
        tmp_path,
        *("-a", f"base_url={sample_site.base_url}", "-a", "categories=world", "-a", "max_pages=1"),
        settings=settings,
    )
    assert run.returncode == 0, run.log[-3000:]
    assert (run.stat("item_scraped_count") or 0) > 0, run.log[-3000:]
    disabled = [line for line in run.log.splitlines() if "Disabled " in line]
    assert not disabled, disabled


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NEWSBOT_NEAR_DUPLICATE_WINDOW_DAYS", "1000000"),  # now - 1e6 days: OverflowError
        ("NEWSBOT_TOPIC_REVISIT_DAYS", "1000000"),
        ("NEWSBOT_RETRY_AFTER_MAX", "inf"),  # inf >= 0: no bound on a 429's wait
    ],
)
def test_a_setting_beyond_the_calendar_or_not_finite_is_refused(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        NewsbotConfig.from_settings(Settings({name: value}))
