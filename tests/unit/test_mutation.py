"""The mutation-testing routine (`./dev mutate`, docs/TESTING.md) keeps its own rules: every
domain module is mutated against its own service's unit tests, and nothing escapes it but the
text of a message."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest

from tooling import mutate

pytestmark = pytest.mark.quick

ROOT = Path(__file__).resolve().parents[2]
PRAGMA = "pragma: no mutate"
# What a line that only builds a message may hold besides its strings: the punctuation around
# an argument that stands on a line of its own.
PUNCTUATION = {",", "(", ")", "+"}


def _code_tokens_of_pragma_lines(path: Path) -> dict[int, list[tokenize.TokenInfo]]:
    """The code tokens (no comments, no layout) of every line that carries the pragma."""
    tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline))
    lines = {t.start[0] for t in tokens if t.type == tokenize.COMMENT and PRAGMA in t.string}
    by_line: dict[int, list[tokenize.TokenInfo]] = {line: [] for line in lines}
    depth = 0  # inside an f-string's braces (Python ≥ 3.12 tokenizes them)
    for token in tokens:
        kind = tokenize.tok_name[token.type]
        if kind == "FSTRING_START":
            depth += 1
        elif kind == "FSTRING_END":
            depth -= 1
        if token.start[0] not in by_line or token.type in (
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
        ):
            continue
        if depth and kind not in ("FSTRING_START",):
            continue  # part of the message being built
        by_line[token.start[0]].append(token)
    return by_line


def _domain_files() -> list[Path]:
    return sorted(ROOT.glob("services/*/domain/*.py"))


def test_a_no_mutate_pragma_stands_only_on_a_line_that_only_builds_a_message() -> None:
    offenders = []
    for path in _domain_files():
        text = path.read_text("utf-8")
        for line, tokens in _code_tokens_of_pragma_lines(path).items():
            source = text.splitlines()[line - 1]
            comment = source[source.index("#") :]
            bare = comment.split(PRAGMA, 1)[1].strip() == ""
            strings = [
                t for t in tokens if tokenize.tok_name[t.type] in ("STRING", "FSTRING_START")
            ]
            other = [
                t
                for t in tokens
                if tokenize.tok_name[t.type] not in ("STRING", "FSTRING_START", "FSTRING_END")
                and not (t.type == tokenize.OP and t.string in PUNCTUATION)
            ]
            if not bare or not strings or other:
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {source.strip()}")
    assert offenders == [], (
        "`# pragma: no mutate` (bare, nothing after it) is only for a line holding nothing but the "
        "text of a message (put the message on a line of its own):\n" + "\n".join(offenders)
    )


def test_the_pragma_check_rejects_code_and_accepts_a_message(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "raise ValueError(\n"
        '    f"at most {LIMIT} characters",  # pragma: no mutate\n'
        ")\n"
        "limit = 25  # pragma: no mutate\n"
        'raise Invalid("field", "text")  # pragma: no mutate\n'
    )
    lines = _code_tokens_of_pragma_lines(sample)
    kinds = {line: [tokenize.tok_name[t.type] for t in tokens] for line, tokens in lines.items()}
    assert kinds[2][0] in ("STRING", "FSTRING_START")
    assert all(t.string in PUNCTUATION for t in lines[2] if t.type == tokenize.OP)
    assert [t.string for t in lines[4]] == ["limit", "=", "25"]
    assert "Invalid" in [t.string for t in lines[5]]


def test_mutmut_is_told_to_skip_nothing_but_pragma_lines() -> None:
    config = mutate.settings()["mutmut"]
    assert "do_not_mutate" not in config
    assert "do_not_mutate_patterns" not in config
    assert "mutate_only_covered_lines" not in config


def test_every_service_with_rules_is_mutated_against_its_own_unit_tests() -> None:
    tests = mutate.settings()["kefu"]["tests"]
    services = sorted(p.parent.name for p in ROOT.glob("services/*/domain"))
    assert sorted(tests) == services
    for service, patterns in tests.items():
        files = mutate.test_files(patterns)
        assert files, service
        assert all(Path(f).name.startswith(f"test_{service}_") for f in files), files
        assert (
            sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(f"tests/unit/test_{service}_*.py"))
            == files
        )


def test_an_allowance_below_the_minimum_names_an_existing_module_and_lies_below_it() -> None:
    kefu = mutate.settings()["kefu"]
    assert kefu["min-score"] == 95
    for module, floor in kefu.get("floor", {}).items():
        assert (ROOT / module).is_file(), module
        assert module.startswith("services/") and "/domain/" in module
        assert 0 <= floor < kefu["min-score"], module
        assert mutate.floor_of(module, kefu) == floor
    assert mutate.floor_of("services/x/domain/none.py", kefu) == 95


def test_the_command_takes_a_service_a_module_or_a_path() -> None:
    tests = mutate.settings()["kefu"]["tests"]
    whole = mutate.plans(["logistics"], tests)
    assert [p.service for p in whole] == ["logistics"]
    assert "services/logistics/domain/penalties.py" in whole[0].modules
    assert all(f.startswith("tests/unit/test_logistics_") for f in whole[0].tests)
    for spelling in ("logistics.penalties", "services/logistics/domain/penalties.py"):
        (plan,) = mutate.plans([spelling], tests)
        assert plan.modules == ["services/logistics/domain/penalties.py"]
    everything = mutate.plans([], tests)
    assert sorted(p.service for p in everything) == sorted(tests)
    with pytest.raises(SystemExit, match="unknown service"):
        mutate.plans(["nosuch"], tests)
    with pytest.raises(SystemExit, match="no module"):
        mutate.plans(["logistics.nosuch"], tests)


def test_a_score_counts_timeouts_as_caught_and_unreached_mutants_as_not(tmp_path: Path) -> None:
    module = "services/x/domain/m.py"
    meta = tmp_path / "mutants" / (module + ".meta")
    meta.parent.mkdir(parents=True)
    meta.write_text(
        '{"exit_code_by_key": {"a": 1, "b": 36, "c": 0, "d": 33, "e": 34, "f": null}}', "utf-8"
    )
    (score,) = mutate.scores(tmp_path, [module])
    assert (score.killed, score.total, score.unchecked) == (2, 5, 1)
    assert score.failing == {"c": 0, "d": 33}
    assert score.percent == 40.0
    (empty,) = mutate.scores(tmp_path, ["services/x/domain/other.py"])
    assert empty.percent is None
