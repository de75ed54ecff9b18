"""The report in a real browser: Debian's headless Chromium driven by Playwright, at a
desktop and a phone width. No console error, no request leaves the file, every section
is there, the sample study's known disagreements are listed, hostile text stays text,
and it prints one section per page. Screenshots go to each test's tmp_path."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_support import ATTACKS, REPLICATES, hostile_project, sample_study

from qcode.report import SECTIONS, ReportOptions, write_report

CHROMIUM = os.environ.get("QCODE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

if not Path(CHROMIUM).is_file():
    pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium; .ci/run "
                "installs it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright "
                               "(pip install -e '.[test]')")
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory) -> Path:
    from qcode.project import find_project

    study = find_project(sample_study(tmp_path_factory))
    out = tmp_path_factory.mktemp("browser") / "report.html"
    return write_report(study, out, options=ReportOptions(replicates=REPLICATES))


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> Path:
    from qcode.project import find_project

    folder = hostile_project(tmp_path_factory.mktemp("hostile-browser") / "study")
    return write_report(find_project(folder), folder / "report.html",
                        options=ReportOptions(replicates=REPLICATES))


class Visit:
    """A page opened on a file with every request counted (and any but the file refused),
    console messages, page errors and dialogs recorded."""

    def __init__(self, browser, path: Path, viewport: dict[str, int], *, javascript: bool = True):
        self.url = path.as_uri()
        self.context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning")
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(self.url, wait_until="load")

    def _route(self, route) -> None:
        self.requests.append(route.request.url)
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def leaving(self) -> list[str]:
        return [u for u in self.requests if u != self.url]

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_sample_report_in_chromium(browser, sample_report, tmp_path, width):
    visit = Visit(browser, sample_report, WIDTHS[width])
    page = visit.page
    try:
        assert visit.requests == [visit.url] and visit.leaving() == []  # the file, nothing else
        assert visit.errors == [] and visit.dialogs == []
        for section_id, title in SECTIONS:
            heading = page.locator(f"section#{section_id} > h2")
            assert heading.inner_text() == title
            assert page.locator(f"section#{section_id} p.reading").count() == 1
        assert page.locator("svg").count() >= 4  # activity, agreement, heatmap, differences
        units = page.locator('section#disagreements div.unit[data-doc="hc02-assistant-team-south"]')
        for n in (130, 142, 230):  # the README's worked example, astrid's leadership
            unit = units.and_(page.locator(f'[data-unit="{n}"]'))
            assert unit.count() == 1
            assert unit.locator('[data-coder="astrid"] [data-code="leadership"]').count() == 1
            assert unit.locator('[data-coder="emil"] [data-code="leadership"]').count() == 0
        page.screenshot(path=str(tmp_path / f"report-{width}.png"))
        page.evaluate("document.getElementById('agreement').scrollIntoView()")
        page.screenshot(path=str(tmp_path / f"report-{width}-agreement.png"))
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1  # wide tables scroll inside their box; the page itself does not
        assert visit.requests == [visit.url]  # scrolling and screenshots fetched nothing either
    finally:
        visit.close()
    assert (tmp_path / f"report-{width}.png").stat().st_size > 10_000


@pytest.mark.parametrize("width", WIDTHS)
def test_attack_strings_stay_text(browser, hostile_report, tmp_path, width):
    visit = Visit(browser, hostile_report, WIDTHS[width])
    page = visit.page
    try:
        assert visit.leaving() == [] and visit.errors == [] and visit.dialogs == []
        assert page.locator("script, img, iframe, object, embed, link, b").count() == 0
        assert page.locator("section").count() == len(SECTIONS)
        text = page.locator("body").inner_text()
        for attack in ATTACKS:
            assert attack in text
        assert page.evaluate("document.styleSheets.length") == 1  # </style> closed nothing early
        border = page.evaluate("getComputedStyle(document.querySelector('section')).borderTopStyle")
        assert border == "solid"  # the stylesheet still applies after the attack text
        page.screenshot(path=str(tmp_path / f"hostile-{width}.png"), full_page=True)
    finally:
        visit.close()


def test_reads_without_javascript_and_prints_a_section_per_page(browser, hostile_report, tmp_path):
    visit = Visit(browser, hostile_report, WIDTHS["desktop"], javascript=False)
    page = visit.page
    try:
        assert page.locator("section > h2").all_inner_texts() == [t for _, t in SECTIONS]
        page.emulate_media(media="print")
        breaks = page.evaluate("[...document.querySelectorAll('section')].map("
                               "s => getComputedStyle(s).breakBefore)")
        assert breaks == ["auto"] + ["page"] * (len(SECTIONS) - 1)
        assert page.locator("nav.toc").is_hidden()
        pdf = page.pdf(path=str(tmp_path / "report.pdf"))
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
        assert pages >= len(SECTIONS)  # each section starts a page
        assert visit.leaving() == []
    finally:
        visit.close()
