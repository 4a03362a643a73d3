"""``python -m bot lint`` as a CSM and a script use it: output, exit codes and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
CORPUS = ROOT / "tests" / "data" / "objectives"
TODAY = ["--today", "2026-11-22"]


def lint(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "lint", *args], capture_output=True, text=True, input=stdin, cwd=ROOT
    )


def test_template_placeholders_are_errors() -> None:
    result = lint("templates/objective.md", *TODAY, "--format", "json")
    assert result.returncode == 1
    [entry] = json.loads(result.stdout)
    placeholders = [f for f in entry["findings"] if f["rule"] == "outcome-placeholder"]
    assert {f["where"] for f in placeholders} == {"Summary", "Success Criteria", "Updates"}
    assert all(f["severity"] == "error" for f in placeholders)


def test_clean_objective_exits_0_and_says_so() -> None:
    result = lint(str(CORPUS / "good-cycle-time.md"), *TODAY)
    assert result.returncode == 0
    assert "Meets the template." in result.stdout
    assert "1 objective checked: 1 ready, 0 need work." in result.stdout


def test_text_groups_by_objective_errors_first_with_hints() -> None:
    result = lint(str(CORPUS / "direction-only-criteria.md"), str(CORPUS / "tool-title.md"), *TODAY)
    assert result.returncode == 1
    out = result.stdout
    assert out.index("direction-only-criteria.md") < out.index("tool-title.md")
    block = out[out.index("direction-only-criteria.md") : out.index("tool-title.md")]
    assert "ERROR      A success criterion can't be measured  (criteria-not-measurable)" in block
    assert "Where: Success Criteria, bullet 1" in block
    assert '"Increase CI usage" names no quantity' in block
    assert "Fix: Name a number" in block
    tool = out[out.index("tool-title.md") :]
    assert "SUGGESTION The title names a tool, not an outcome  (title-no-outcome)" in tool


def test_json_shape_and_plan_entry() -> None:
    result = lint("tests/data/plans/crowded", *TODAY, "--format", "json")
    assert result.returncode == 0  # warnings only
    entries = json.loads(result.stdout)
    assert len(entries) == 6
    for entry in entries:
        assert set(entry) == {"source", "title", "findings"}
        for f in entry["findings"]:
            assert {"rule", "severity", "message", "hint"} <= set(f)
    assert entries[-1]["findings"][0]["rule"] == "plan-too-many-objectives"


def test_webhook_payload_and_stdin() -> None:
    payload = ROOT / "tests" / "fixtures" / "issue_hook__epic_created.json"
    result = lint(str(payload), *TODAY, "--format", "json")
    assert result.returncode == 1
    [entry] = json.loads(result.stdout)
    rules = {f["rule"] for f in entry["findings"]}
    assert {"outcome-missing", "owner-missing"} <= rules
    assert "initiatives-missing" not in rules  # a payload carries no children
    piped = lint("-", *TODAY, "--format", "json", stdin=payload.read_text())
    assert json.loads(piped.stdout)[0]["findings"] == entry["findings"]
    markdown = lint("-", *TODAY, stdin=(CORPUS / "good-cycle-time.md").read_text())
    assert markdown.returncode == 0


def test_config_file_regrades(tmp_path: Path) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text("lint:\n  rules:\n    criteria-not-measurable: warning\n")
    result = lint(str(CORPUS / "direction-only-criteria.md"), *TODAY, "--config", str(config))
    assert result.returncode == 0
    assert "WARNING    A success criterion can't be measured  (criteria-not-measurable)" in result.stdout


def test_unusable_input_is_one_line_exit_2(tmp_path: Path) -> None:
    bad_yaml = tmp_path / "bad.md"
    bad_yaml.write_text("---\ntitle: [unclosed\n---\n## Summary\n")
    unknown_key = tmp_path / "typo.md"
    unknown_key.write_text("---\ntitel: Reduce costs\n---\n")
    bad_date = tmp_path / "date.md"
    bad_date.write_text("---\ndue_date: next spring\n---\n")
    not_hook = tmp_path / "x.json"
    not_hook.write_text('{"hello": "world"}')
    broken_json = tmp_path / "y.json"
    broken_json.write_text('{"object_kind": ')
    cases = {
        str(bad_yaml): "front matter is not valid YAML",
        str(unknown_key): "unknown key 'titel'",
        str(bad_date): "due_date",
        str(not_hook): "not a GitLab work item or issue webhook payload",
        str(broken_json): "not valid JSON",
        str(tmp_path / "missing.md"): "no such file or directory",
    }
    for path, reason in cases.items():
        result = lint(path, *TODAY)
        assert result.returncode == 2, path
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and path in lines[0] and reason in lines[0], lines
        assert "Traceback" not in result.stderr
    assert lint(str(CORPUS), "--today", "tomorrow").returncode == 2


def test_a_directory_skips_files_that_are_no_objective(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    plan.mkdir()
    (plan / "cycle-time.md").write_text((ROOT / "tests/data/objectives/good-cycle-time.md").read_text())
    (plan / "README.md").write_text("These are Acme's objectives.\n\nAsk Dana before editing.\n")
    (plan / "pipeline.json").write_text('{"object_kind": "pipeline", "object_attributes": {"id": 1}}')
    result = lint(str(plan), *TODAY, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert [entry["source"].rsplit("/", 1)[-1] for entry in json.loads(result.stdout)] == [
        "cycle-time.md",
        "plan",
    ]
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == 2 and all(
        "neither an objective nor a GitLab payload; skipped" in w for w in warnings
    )
