"""End to end: samples/broken.csv fires every rule through validate; samples/week.* stay clean."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from bulkpost.cli import cli
from bulkpost.rules import CODES, RuleContext
from bulkpost.validate import validate

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"

# Codes check_posts can emit that a sheet run through validate() cannot show:
NOT_FROM_A_SHEET = {
    # validate() reports bad media URLs itself (MEDIA_URL_NOT_HTTPS / MEDIA_URL_INVALID) and drops
    # them before the rules run; these fire for posts built by library users.
    "MEDIA_URL_INVALID", "MEDIA_URL_PROTOCOL", "MEDIA_URL_CREDENTIALS", "MEDIA_URL_PORT", "MEDIA_URL_BLOCKED_HOST",
    # need --check-urls and a server (tests/test_media.py drives them against 127.0.0.1)
    "MEDIA_URL_HTTP_ERROR", "MEDIA_URL_TOO_LARGE", "MEDIA_URL_UNSUPPORTED_FORMAT",
}
CONNECTIONS = {
    "tiktok-ExpiredTok1": {"tokenStatus": "expired", "tokenExpiresIn": "expired"},
    "linkedin-Tz9W5i6ZYG": {"tokenStatus": "expiring_soon", "tokenExpiresIn": "3d 4h"},
}


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, SAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """broken.csv beside freshly built media (the committed CSV, not a regenerated one)."""
    d = tmp_path_factory.mktemp("broken")
    shutil.copyfile(SAMPLES / "broken.csv", d / "broken.csv")
    _load("make_broken").make_media(d / "broken-media")
    return d / "broken.csv"


def test_committed_broken_csv_matches_its_generator(tmp_path: Path) -> None:
    _load("make_broken").write_csv(tmp_path / "broken.csv")
    assert (tmp_path / "broken.csv").read_bytes() == (SAMPLES / "broken.csv").read_bytes()


def test_broken_sample_fires_every_rule(broken: Path) -> None:
    report = validate(broken, rule_context=RuleContext(connections=CONNECTIONS))
    fired = {f.code for f in report.findings}
    expected = set(CODES) - NOT_FROM_A_SHEET
    assert expected - fired == set()
    # and nothing fires that the sample does not mean: only rule codes plus MEDIA_NOT_FOUND's row
    from bulkpost.validate import CODES as VALIDATOR_CODES

    assert fired - set(CODES) <= set(VALIDATOR_CODES)
    assert fired - set(CODES) == set()  # the validator's own checks all pass on this sample
    by_code = {f.code: f for f in report.findings}
    assert by_code["CONNECTION_EXPIRED"].row == 39 and by_code["CONNECTION_EXPIRING"].row == 4
    assert by_code["MEDIA_SIZE_EXCEEDED"].message.startswith('Row 17, column "media" (Bluesky): broken-media/noise.png is ')


def test_broken_sample_offline_cli(broken: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(broken)])
    assert result.exit_code == 1
    assert "38 rows checked, 16 ready, 22 with errors; 30 errors, 9 warnings." in result.output
    assert "CONNECTION_" not in result.output  # needs connection facts (online)


@pytest.mark.parametrize("name", ["week.csv", "week.xlsx"])
def test_week_sample_is_clean(name: str) -> None:
    report = validate(SAMPLES / name, rule_context=RuleContext(now=RuleContext().now))
    assert [f.code for f in report.findings] == []


def test_readme_shows_the_broken_sample_report(broken: Path) -> None:
    # The README's report of samples/broken.csv is what the command prints (paths aside).
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("$ python -m bulkpost validate samples/broken.csv\n")
    shown = readme[start:].split("\n", 1)[1].split("\n```", 1)[0]
    result = CliRunner().invoke(cli, ["validate", str(broken)])
    printed = result.output.replace(str(broken), "samples/broken.csv")
    printed = printed.replace(str(broken.parent / "broken-media"), ".../samples/broken-media")
    assert printed.rstrip("\n") == shown


def test_make_broken_runs_from_a_copy_of_samples_alone(tmp_path: Path) -> None:
    """The script needs nothing outside samples/ (it used to copy videos from tests/data)."""
    import subprocess
    import sys

    copy = tmp_path / "samples"
    shutil.copytree(SAMPLES, copy, ignore=shutil.ignore_patterns("broken-media", "__pycache__", "*.results.*", ".bulkpost"))
    done = subprocess.run([sys.executable, str(copy / "make_broken.py")], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (copy / "broken.csv").read_bytes() == (SAMPLES / "broken.csv").read_bytes()
    for name in ("short.mp4", "long_tall.mp4", "mpeg4.mp4"):
        assert (copy / "broken-media" / name).read_bytes() == (ROOT / "tests" / "data" / name).read_bytes()
    assert (copy / "broken-media" / "tiktok.mp4").read_bytes() == (SAMPLES / "media" / "teaser.mp4").read_bytes()
    report = validate(copy / "broken.csv", rule_context=RuleContext(connections=CONNECTIONS))
    assert not any(f.code == "MEDIA_NOT_FOUND" and "missing.jpg" not in f.message for f in report.findings)
    assert {"VIDEO_FPS_INVALID", "VIDEO_CODEC_NOT_SUPPORTED", "VIDEO_DURATION_EXCEEDED"} <= {f.code for f in report.findings}
