"""The layout keeps itself: no import cycle, no module over 400 lines, light CLI start-up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

BOT = Path(__file__).parent.parent / "bot"


def test_no_import_cycle_in_bot() -> None:
    graph = grimp.build_graph("bot")
    modules = sorted(graph.modules)
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if not imported.startswith("bot"):
                continue
            if state.get(imported) == 1:
                cycle = [*stack[stack.index(imported) :], imported]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if imported not in state:
                visit(imported)
        stack.pop()
        state[module] = 2

    for module in modules:
        if module not in state:
            visit(module)


def test_no_module_over_400_lines() -> None:
    long = {
        str(p.relative_to(BOT)): n
        for p in BOT.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}


@pytest.mark.parametrize("command", [["jobs", "--help"], ["lint", "--help"], ["hook", "--help"]])
def test_cli_start_up_loads_neither_simulator_nor_graphql_nor_pptx(command: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", *command],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if "|" in line}
    heavy = sorted(m for m in loaded if m.split(".")[0] in ("graphql", "pptx") or m.startswith("bot.sim"))
    assert heavy == []
    assert "bot.cli.main" in loaded  # the measurement saw the CLI itself
