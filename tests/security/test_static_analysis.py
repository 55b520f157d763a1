"""Static analysis: ruff's flake8-bandit rules (S) stay selected and clean, and
every exception to them says why, on the line itself (``# noqa: S608 - quoted
names only``). A bare ``# noqa: S...`` hides a finding from review, so it fails."""

import io
import re
import subprocess
import sys
import tokenize
import tomllib
from pathlib import Path

from tests.security.test_no_raw_sql import EXCLUDED_DIRS, ROOT

# "noqa: S310, E501 - reason": codes, then a separator, then words.
NOQA = re.compile(r"noqa:\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)(?P<rest>.*)", re.IGNORECASE)
REASON = re.compile(r"^\s*(?:-|—|:|\(|because\b)\s*\w+")
# Tooling and generated folders; unlike the raw-SQL scan, tests and benchmarks count here.
SKIPPED = EXCLUDED_DIRS - {"tests", "bench"}


def bare_security_noqas(source: str, path: str) -> list[str]:
    """``path:line`` of every ``noqa`` that silences an S rule without a reason after the codes."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        match = NOQA.search(token.string)
        if not match:
            continue
        codes = [code.strip().upper() for code in match["codes"].split(",")]
        if any(code.startswith("S") and code[1:].isdigit() for code in codes) and not REASON.match(match["rest"]):
            found.append(f"{path}:{token.start[0]}: {token.string.strip()}")
    return found


def python_files() -> list[Path]:
    return [path for path in sorted(ROOT.rglob("*.py")) if not SKIPPED & set(path.relative_to(ROOT).parts[:-1])]


def test_the_checker_tells_a_bare_security_noqa_from_a_justified_one():
    # given
    source = (
        "a = 1  # noqa: S105\n"
        "b = 2  # noqa: S608, E501\n"
        "c = 3  # noqa: E501, S310\n"
        "d = 4  # noqa: S105 - published demo password\n"
        "e = 5  # noqa: S608 (quoted names only)\n"
        "f = 6  # noqa: SIM115\n"
        "g = 7  # noqa: F401\n"
        's = "# noqa: S105"\n'
    )
    # when
    found = bare_security_noqas(source, "example.py")
    # then: only the comments, and only those without a reason
    assert [line.split(":")[1] for line in found] == ["1", "2", "3"]


def test_every_security_noqa_in_the_code_base_gives_its_reason():
    # given: all our Python, tests and benchmarks included
    files = python_files()
    assert len(files) > 200
    # when
    found = []
    for path in files:
        found += bare_security_noqas(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    # then
    assert found == [], "Say why on the line: '# noqa: S310 - loopback simulator URL'"


def test_ruff_security_rules_are_selected_and_clean():
    # given: the pinned rule selection
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
    assert "S" in config["select"]
    ignored = [code for code in config.get("ignore", []) if code[0] == "S" and code[1:].isdigit()]
    assert not ignored, "ignore S rules per file, with why"
    # when: ruff runs the S rules alone over the repository
    result = subprocess.run(
        [str(Path(sys.executable).with_name("ruff")), "check", "--select", "S", "--output-format", "concise", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then
    assert result.returncode == 0, result.stdout + result.stderr
