"""The deck: read through GraphQL, written as HTML, PPTX and SVG, checked as people would see it."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pptx import Presentation

from bot.cli.lintinput import from_markdown
from bot.core.config import LintConfig
from bot.core.model import Initiative, Objective
from bot.deck import model as deckmodel
from bot.deck.build import build
from bot.settings import FileConfig, Settings
from tests.proc import bot_env

TODAY = dt.date(2026, 11, 22)
DATA = Path(__file__).parent / "data"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _screenshot(url: str, shot: Path, profile: Path, window: tuple[int, int]) -> None:
    """A headless Chromium screenshot of *url* in a window of that size, after its timers ran."""
    subprocess.run(
        [
            CHROMIUM or "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--hide-scrollbars",
            f"--window-size={window[0]},{window[1]}",
            "--virtual-time-budget=5000",  # past the navigation's fade
            f"--screenshot={shot}",
            url,
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


def settings_for(sim: TestClient[Any, Any]) -> Settings:
    return Settings(gitlab_url=str(sim.make_url("")).rstrip("/"), gitlab_token="bot-token", _env_file=None)


@pytest.fixture
async def built(sim: TestClient[Any, Any], tmp_path: Path) -> dict[str, Any]:
    result = await build(settings_for(sim), FileConfig(), "am/acme", tmp_path, {"html", "pptx"}, 90, TODAY)
    return {**result, "out": tmp_path}


async def test_deck_files_are_written_from_one_graphql_request(built: dict[str, Any]) -> None:
    assert built["graphql_requests"] == 1 and built["objectives"] == 1
    out: Path = built["out"]
    assert {p.name for p in out.iterdir()} == {"index.html", "deck.pptx", "timeline.svg"}


async def test_html_is_self_contained_and_navigable(built: dict[str, Any]) -> None:
    html = (built["out"] / "index.html").read_text()
    # The customer deck: overview, glance, one objective, the timeline; no empty slide, no plan health.
    assert html.count('<section class="slide') == built["html_slides"] == 4
    assert "Plan health" not in html and "criteria-missing" not in html and "Unassigned" not in html
    assert 'class="draft">Draft' in html  # the objective still lacks success criteria
    assert "Owner to be confirmed" in html  # "Merge trains" has no assignee
    for external in ("<link", 'src="http', "@import", "url(http"):
        assert external not in html
    assert "ArrowRight" in html and "@media print" in html and "page-break-after: always" in html
    assert "Reduce cycle time for payments" in html and "Migrate pipelines" in html
    assert "<svg" in html  # the timeline is inline


async def test_timeline_svg_is_valid_and_marks_today(built: dict[str, Any]) -> None:
    root = ET.parse(built["out"] / "timeline.svg").getroot()
    assert root.tag.endswith("svg")
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Today" in texts and "Reduce cycle time for payments" in texts


async def test_pptx_reopens_with_the_expected_slides(built: dict[str, Any]) -> None:
    prs = Presentation(str(built["out"] / "deck.pptx"))
    assert len(prs.slides) == built["pptx_slides"] == 3
    texts = [
        "\n".join(
            shape.text_frame.text for shape in slide.shapes if shape.has_text_frame and shape.text_frame.text
        )
        + "\n".join(
            c.text for shape in slide.shapes if shape.has_table for r in shape.table.rows for c in r.cells
        )
        for slide in prs.slides
    ]
    assert "Reduce cycle time for payments" in texts[1]
    assert "Migrate pipelines" in texts[1] and "@dana.csm" in texts[1]
    assert "TIMELINE" in texts[2] and "Today" in texts[2]
    assert texts[3:] == []  # wins, risks and next steps are empty here: left out
    assert "Draft" in texts[1] and "Owner to be confirmed" in texts[1]
    assert prs.slide_width > prs.slide_height  # 16:9


async def test_the_internal_deck_adds_plan_health_for_the_account_team(
    sim: TestClient[Any, Any], tmp_path: Path
) -> None:
    result = await build(
        settings_for(sim), FileConfig(), "am/acme", tmp_path, {"html", "pptx"}, 90, TODAY, audience="internal"
    )
    html = (tmp_path / "index.html").read_text()
    assert "Plan health" in html and html.count('<section class="slide') == result["html_slides"] == 5
    prs = Presentation(str(tmp_path / "deck.pptx"))
    last = "\n".join(s.text_frame.text for s in prs.slides[-1].shapes if s.has_text_frame)
    assert "PLAN HEALTH" in last and prs.slides[-1].shapes.title.text == "How complete the plan is"
    hidden = await build(
        settings_for(sim), FileConfig(), "am/acme", tmp_path / "h", {"html"}, 90, TODAY, hide_drafts=True
    )
    assert hidden["html_slides"] == 3  # the draft's slide is left out


async def test_undated_items_are_not_yet_scheduled_never_drawn_with_a_borrowed_date(
    built: dict[str, Any],
) -> None:
    svg = (built["out"] / "timeline.svg").read_text()
    assert "Not yet scheduled: Merge trains" in svg
    root = ET.parse(built["out"] / "timeline.svg").getroot()
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Merge trains" not in labels and "Migrate pipelines" in labels  # no bar for the undated one
    assert "On Track" in labels and "due date only" in labels  # the legend


def test_deck_model_picks_completed_risks_and_next_steps() -> None:
    def corpus(name: str) -> Objective:
        return from_markdown((DATA / "objectives" / f"{name}.md").read_text(), name)

    cycle, sast, jenkins = (
        corpus("good-cycle-time"),
        corpus("good-security-sast"),
        corpus("good-jenkins-retirement"),
    )
    soon, late = (
        Initiative(
            title=t,
            due_date=TODAY + dt.timedelta(days=d),
            assignees=["li.wei"],
            labels=["SP Initiative::Status::On Track"],
        )
        for t, d in (("Soon", 10), ("Late one", -3))
    )
    cycle = cycle.model_copy(update={"children": [soon, late]})
    jenkins = jenkins.model_copy(update={"state": "closed", "closed_at": TODAY - dt.timedelta(days=20)})
    deck = deckmodel.build("acme", "Acme", [cycle, sast, jenkins], config=LintConfig(), today=TODAY)
    assert [o.title for o in deck.objectives] == [cycle.title, sast.title]
    assert [i.title for i in deck.completed] == [jenkins.title]
    assert {i.title for i in deck.risks} == {"Late one", sast.title}
    assert next(i for i in deck.risks if i.title == sast.title).detail.startswith("Status: Watchpoint")
    assert [(i.title, i.when) for i in deck.next_steps] == [("Soon", TODAY + dt.timedelta(days=10))]
    assert deck.objectives[0].progress == 0 and deck.objectives[0].total == 2
    # The newest dated entry under "Updates", not the order they were written in.
    assert deck.objectives[0].last_update == dt.date(2026, 11, 2)
    assert deck.plan_findings == []


@pytest.mark.skipif(not CHROMIUM and os.environ.get("CI") != "true", reason="Chromium is not installed")
async def test_every_slide_renders_in_chromium_and_is_not_blank(
    built: dict[str, Any], tmp_path: Path
) -> None:
    from PIL import Image

    assert CHROMIUM, "CI must have Chromium (.ci/run installs Debian's chromium)"
    index = built["out"] / "index.html"
    for n in range(1, built["html_slides"] + 1):
        shot = tmp_path / f"slide-{n}.png"
        _screenshot(f"file://{index}#{n}", shot, tmp_path / f"profile-{n}", (1328, 768))
        image = Image.open(shot).convert("L").crop((40, 40, 1280, 700))  # inside the slide
        histogram = image.histogram()
        dark = sum(histogram[:160])
        assert dark > 2000, f"slide {n} looks blank ({dark} dark pixels)"
        assert sum(1 for count in histogram if count) > 20, f"slide {n} has no detail"


def test_deck_build_cli_needs_a_token_and_a_known_format(tmp_path: Path) -> None:
    env = bot_env(tmp_path, 1)
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "deck", "build", "--group", "x", "--out", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "BOT_GITLAB_TOKEN is not set" in missing.stderr
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "deck",
            "build",
            "--group",
            "x",
            "--out",
            str(tmp_path),
            "--format",
            "pdf",
        ],
        env={**env, "BOT_GITLAB_TOKEN": "t"},
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "--format takes html, pptx or both" in bad.stderr
    status = subprocess.run(
        [sys.executable, "-m", "bot", "deck", "status", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert status.returncode == 0 and json.loads(status.stdout) == []


def test_ci_template_publishes_the_deck_with_gitlab_pages() -> None:
    import yaml

    ci = yaml.safe_load(
        (Path(__file__).parent.parent / "templates" / "ci" / "deck.gitlab-ci.yml").read_text()
    )
    job = ci["pages"]
    assert job["artifacts"]["paths"] == ["public"]
    sources = {rule["if"].split("==")[1].strip().strip('"') for rule in job["rules"]}
    assert sources == {"trigger", "api", "schedule", "web"}
    command = job["script"][-1]
    assert command.startswith("success-plan-bot deck build") and "--out public" in command
    assert ci["variables"]["BOT_GITLAB_URL"] == "$CI_SERVER_URL"


async def test_every_pptx_slide_has_a_title_and_objective_slides_have_notes(built: dict[str, Any]) -> None:
    prs = Presentation(str(built["out"] / "deck.pptx"))
    titles = [slide.shapes.title.text if slide.shapes.title is not None else None for slide in prs.slides]
    assert all(titles) and "Reduce cycle time for payments" in titles
    objective = prs.slides[titles.index("Reduce cycle time for payments")]
    notes = objective.notes_slide.notes_text_frame.text
    assert notes.startswith("Reduce cycle time for payments") and "No criteria agreed yet." in notes


def test_pptx_tables_use_the_deck_colours_and_size_columns_to_their_text(tmp_path: Path) -> None:
    from bot.deck import pptx as deckpptx

    base = from_markdown((DATA / "objectives" / "good-cycle-time.md").read_text(), "good-cycle-time")
    long_title = "Migrate every payments service build from the legacy Jenkins farm to GitLab runners"
    child = Initiative(title=long_title, due_date=TODAY, assignees=["li.wei"], labels=[])
    objectives = [
        base.model_copy(update={"title": f"{base.title} {n}", "children": [child]}) for n in range(12)
    ]
    deck = deckmodel.build("acme", "Acme", objectives, config=LintConfig(), today=TODAY)
    path = tmp_path / "deck.pptx"
    deckpptx.write(deck, path)
    prs = Presentation(str(path))
    # The theme carries the brand colour, so PowerPoint's table style draws the header in it.
    theme = prs.slide_master.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme"
    )
    assert b'<a:accent1><a:srgbClr val="4B3A8F"/></a:accent1>' in theme.blob
    # Every objective slide has a notes page of its own (the timeline's says what it left out).
    noted = [slide for slide in prs.slides if slide.has_notes_slide]
    assert len({slide.notes_slide.part.partname for slide in noted}) == len(noted)
    assert all(prs.slides[n].has_notes_slide for n in range(1, 13)) and len(deck.objectives) == 12
    slide = prs.slides[1]
    frame = next(shape for shape in slide.shapes if shape.has_table)
    table = frame.table
    widths = [column.width for column in table.columns]
    header = [cell.text for cell in table.rows[0].cells]
    assert header == ["Initiative", "DRI", "Due", "Status"]
    texts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
    assert any("Last update 2026-11-02" in text for text in texts)
    assert "Latest update: 2026-11-02: pipelines for 6 of 9" in slide.notes_slide.notes_text_frame.text
    # The HTML deck shows the same date.
    from bot.deck.build import render

    render(deck, tmp_path / "site", {"html"}, Settings(_env_file=None))
    assert "Last update <b>2026-11-02</b>" in (tmp_path / "site" / "index.html").read_text()
    assert widths[0] > 2 * widths[2], "the initiative title column is wider than the date column"
    assert abs(sum(widths) - frame.width) < 10 * len(widths)


SOFFICE = shutil.which("soffice")
PDFTOTEXT = shutil.which("pdftotext")


@pytest.mark.skipif(
    not (SOFFICE and PDFTOTEXT) and os.environ.get("CI") != "true",
    reason="LibreOffice or poppler not installed",
)
def test_pptx_renders_in_libreoffice_one_page_per_slide_with_no_text_off_the_slide(tmp_path: Path) -> None:
    from bot.deck import pptx as deckpptx

    base = from_markdown((DATA / "objectives" / "good-cycle-time.md").read_text(), "good-cycle-time")
    long_title = "Reduce the cycle time of every payments service from commit to production " * 2
    summary = ("The customer wants weekly releases so that fixes reach production before audits. " * 12)[:900]
    children = [
        Initiative(title=f"{long_title[:90]} {n}", due_date=TODAY, assignees=["li.wei"], labels=[])
        for n in range(9)
    ]
    long_one = base.model_copy(
        update={
            "title": long_title.strip(),
            "description": base.description + "\n" + summary,
            "children": children,
        }
    )
    deck = deckmodel.build(
        "acme", "Acme", [base, long_one], config=LintConfig(), today=TODAY, audience="internal"
    )
    path = tmp_path / "deck.pptx"
    slides = deckpptx.write(deck, path)
    pages = _libreoffice_pages(path, tmp_path)
    assert len(pages) == slides == len(Presentation(str(path)).slides)
    # LibreOffice leaves text that runs off the page out of the PDF, so each slide's words must all
    # be there, and inside the page.
    for number, (slide, (width, height, words)) in enumerate(
        zip(Presentation(str(path)).slides, pages, strict=True), start=1
    ):
        outside = [w.text for w in words if min(w.box) < 0 or w.box[2] > width or w.box[3] > height]
        assert outside == [], f"slide {number}: text off the slide: {outside[:5]}"
        # Compared character by character: LibreOffice wraps at hyphens, splitting dates into two words.
        expected = Counter(
            char
            for shape in slide.shapes
            for frame in _text_frames(shape)
            for char in frame.text
            if not char.isspace()
        )
        missing = expected - Counter(char for w in words for char in w.text)
        assert not missing, f"slide {number}: {sum(missing.values())} characters not on the page"


@dataclass(frozen=True)
class _Word:
    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in points


def _libreoffice_pages(path: Path, tmp_path: Path) -> list[tuple[float, float, list[_Word]]]:
    """The PPTX converted to PDF by LibreOffice, read back as (width, height, words) per page."""
    profile = f"-env:UserInstallation=file://{tmp_path}/lo-profile"
    subprocess.run(
        [
            SOFFICE or "soffice",
            profile,
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    bbox = subprocess.run(
        [PDFTOTEXT or "pdftotext", "-bbox", str(tmp_path / f"{path.stem}.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pages = []
    for width, height, body in re.findall(
        r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', bbox, re.S
    ):
        words = [
            _Word(html.unescape(w[4]), (float(w[0]), float(w[1]), float(w[2]), float(w[3])))
            for w in re.findall(
                r'xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)<', body
            )
        ]
        pages.append((float(width), float(height), words))
    return pages


def _long_deck() -> deckmodel.Deck:
    """A deck with everything at its longest: titles, a 900-character summary, criteria tables, goals."""
    objectives = [from_markdown((DATA / "objectives" / n).read_text(), n) for n in ("good-cycle-time.md",)]
    long_title = (
        "Standardise every payments, ledger and card-issuing service on shared GitLab pipeline templates "
        "and retire the self-managed Jenkins farm before the 2027 audit season begins in earnest"
    )
    summary = " ".join(
        f"Sentence {n} of the summary says why the customer cares about faster, safer releases."
        for n in range(12)
    )[:900]
    table = (
        "\n\n## Success Criteria\n| Metric | Baseline | Current | Target | By |\n|---|---|---|---|---|\n"
        "| Change lead time for the payments services | 10 days | 8 days | 7 days | 2026-11-01 |\n"
        "| Failed pipeline rate | 18% | 12% | under 10% | 2026-12-10 |\n"
        "| Deployments of the ledger service | 2 per week | 9 per week | 10 per week | 2027-06-30 |\n"
    )
    children = [
        Initiative(
            title=f"{long_title[:110]} wave {n}",
            start_date=dt.date(2025, 12, 1),
            due_date=dt.date(2027, 12, n + 1),
            assignees=["li.wei", "sam.ops"],
            labels=[],
        )
        for n in range(12)
    ]
    # Ten long objectives: the at-a-glance, risks and plan-health tables fill up too.
    objectives += [
        objectives[0].model_copy(
            update={
                "title": f"{long_title} {n}",
                "labels": [*objectives[0].labels[:1], "SP Objective::Status::Concern"]
                if n % 2
                else objectives[0].labels,
                "description": f"## Summary\n{summary}{table}\nOwner: @dana.csm\n\n"
                f"## Updates\n- 2026-11-02: {summary}",
                "children": children,
            }
        )
        for n in range(10)
    ]
    # Wins with long outcome summaries, one per day for two weeks.
    objectives += [
        Objective(
            title=f"{long_title} ({n})",
            labels=["SP Objective", "SP Objective::Status::Closed Success"],
            state="closed",
            closed_at=TODAY - dt.timedelta(days=n),
            description=f"## Outcome\n{summary}",
        )
        for n in range(14)
    ]
    goals = Objective(
        title="Goals",
        labels=["SP Goals"],
        description="## Goals\n"
        + "".join(f"- {long_title} ({n})\n" for n in range(6))
        + "\n## Highlights\n- "
        + summary,
    )
    return deckmodel.build(
        "acme", "Acme", objectives, config=LintConfig(), today=TODAY, audience="internal", goals=goals
    )


@pytest.mark.skipif(
    not (SOFFICE and PDFTOTEXT) and os.environ.get("CI") != "true",
    reason="LibreOffice or poppler not installed",
)
def test_pptx_text_stays_in_its_own_box_with_long_titles_and_a_900_character_summary(tmp_path: Path) -> None:
    """Every word LibreOffice draws lies inside the box the deck made for it, and no two boxes overlap."""
    from bot.deck import pptx as deckpptx

    deck = _long_deck()
    path = tmp_path / "long.pptx"
    deckpptx.write(deck, path)
    for number, (slide, (_, _, words)) in enumerate(
        zip(Presentation(str(path)).slides, _libreoffice_pages(path, tmp_path), strict=True), start=1
    ):
        boxes = [
            (
                shape.name,
                *(
                    v / 12700
                    for v in (shape.left, shape.top, shape.left + shape.width, shape.top + shape.height)
                ),
            )
            for shape in slide.shapes
            if any(frame.text.strip() for frame in _text_frames(shape))
        ]
        for n, a in enumerate(boxes):
            for b in boxes[n + 1 :]:
                overlap_w = min(a[3], b[3]) - max(a[1], b[1])
                overlap_h = min(a[4], b[4]) - max(a[2], b[2])
                assert overlap_w <= 0.5 or overlap_h <= 0.5, f"slide {number}: {a[0]} overlaps {b[0]}"
        for word in words:
            x0, y0, x1, y1 = word.box
            inside = [
                b[0] for b in boxes if x0 >= b[1] - 2 and y0 >= b[2] - 2 and x1 <= b[3] + 2 and y1 <= b[4] + 2
            ]
            assert inside, f"slide {number}: {word.text!r} at {word.box} lies outside every text box"


def _text_frames(shape: Any) -> list[Any]:
    if shape.has_text_frame:
        return [shape.text_frame]
    if getattr(shape, "has_table", False):
        return [cell.text_frame for row in shape.table.rows for cell in row.cells]
    return []


@pytest.mark.skipif(not CHROMIUM and os.environ.get("CI") != "true", reason="Chromium is not installed")
@pytest.mark.parametrize("window", [(1366, 650), (1280, 720), (1920, 1080)])
async def test_every_html_slide_fits_the_window_whole_and_fills_it(
    built: dict[str, Any], tmp_path: Path, window: tuple[int, int]
) -> None:
    from PIL import Image

    assert CHROMIUM, "CI must have Chromium (.ci/run installs Debian's chromium)"
    width, height = window
    index = built["out"] / "index.html"
    for n in range(1, built["html_slides"] + 1):
        shot = tmp_path / f"slide-{n}.png"
        _screenshot(f"file://{index}#{n}", shot, tmp_path / f"profile-{n}", window)
        image = Image.open(shot).convert("L")
        assert image.size == window
        # The slide is the white rectangle on the grey page: whole (its 16:9 shape, not cut
        # by the window) and as large as the window allows.
        box = image.point(lambda v: 255 if v >= 253 else 0).getbbox()
        assert box is not None, f"slide {n} is not on screen at {window}"
        left, top, right, bottom = box
        shown_w, shown_h = right - left, bottom - top
        assert abs(shown_w / shown_h - 1280 / 720) < 0.03, f"slide {n} is cut at {window}: {box}"
        assert max(shown_w / width, shown_h / height) > 0.97, f"slide {n} does not fill {window}: {box}"


# Run in the page after it loaded: every element of every slide must end above the slide's footer
# and inside its right edge; what does not is listed on <body data-overflow>.
_OVERFLOW_PROBE = """<script>
window.addEventListener("load", function () {
  var out = [];
  document.querySelectorAll(".slide").forEach(function (slide) {
    slide.style.display = "block";
    var box = slide.getBoundingClientRect(), foot = slide.querySelector(".foot");
    var limit = foot ? foot.getBoundingClientRect().top : box.bottom;
    slide.querySelectorAll("*").forEach(function (e) {
      if (foot && (e === foot || foot.contains(e))) return;
      var b = e.getBoundingClientRect();
      if (!b.width && !b.height) return;
      if (b.bottom > limit + 1 || b.right > box.right + 1 || b.left < box.left - 1)
        out.push(slide.id + ": " + e.tagName + " " + (e.textContent || "").trim().slice(0, 50));
    });
    slide.style.display = "";
  });
  document.body.setAttribute("data-overflow", JSON.stringify(out));
});
</script>"""


@pytest.mark.skipif(not CHROMIUM and os.environ.get("CI") != "true", reason="Chromium is not installed")
def test_html_slides_hold_their_content_above_the_footer_with_everything_at_its_longest(
    tmp_path: Path,
) -> None:
    from bot.deck.build import render

    assert CHROMIUM, "CI must have Chromium (.ci/run installs Debian's chromium)"
    render(_long_deck(), tmp_path, {"html"}, Settings(_env_file=None))
    page = tmp_path / "probe.html"
    page.write_text((tmp_path / "index.html").read_text().replace("</body>", _OVERFLOW_PROBE + "</body>"))
    dom = subprocess.run(
        [
            CHROMIUM or "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1280,720",
            "--virtual-time-budget=3000",
            "--dump-dom",
            f"file://{page}",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    found = re.search(r'data-overflow="([^"]*)"', dom)
    assert found, "the probe did not run"
    overflow = json.loads(html.unescape(found[1]))
    assert overflow == [], f"{len(overflow)} elements run past their slide: {overflow[:6]}"


def test_the_customer_deck_of_the_whole_corpus_shows_no_lint_internals_or_template_text(
    tmp_path: Path,
) -> None:
    """Every corpus objective in one customer deck: no rule id or title, no placeholder, no "Unassigned"."""
    from bot.core.catalogue import RULES
    from bot.core.description import strip_placeholders
    from bot.deck import pptx as deckpptx
    from bot.deck.build import render

    objectives = [from_markdown(p.read_text(), p.stem) for p in sorted((DATA / "objectives").glob("*.md"))]
    deck = deckmodel.build("acme", "Acme", objectives, config=LintConfig(), today=TODAY)
    assert len(deck.objectives) > 40
    render(deck, tmp_path, {"html"}, Settings(_env_file=None))
    page = re.sub(
        r"<style>.*?</style>|<script>.*?</script>", " ", (tmp_path / "index.html").read_text(), flags=re.S
    )
    texts = [html.unescape(t) for t in re.findall(r">([^<]+)<", page)]
    deckpptx.write(deck, tmp_path / "deck.pptx")
    prs = Presentation(str(tmp_path / "deck.pptx"))
    for slide in prs.slides:
        texts += [frame.text for shape in slide.shapes for frame in _text_frames(shape)]
        if slide.has_notes_slide:
            texts.append(slide.notes_slide.notes_text_frame.text)  # the file may reach the customer
    shown = "\n".join(texts)
    for rule_id, rule in RULES.items():
        assert rule_id not in shown and rule.title not in shown, rule_id
    for word in ("Unassigned", "To be agreed", "TBD", "TBC"):
        assert word not in shown
    leftovers = [t for t in texts if strip_placeholders(t) != t and "[" in t]
    assert leftovers == []
