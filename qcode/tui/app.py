"""The full-screen coding view (Textual): keys in, one audit line per decision out.

The app is a thin shell around a :class:`~qcode.tui.session.Session`: each key
calls one session method, shows what it said on the status line and repaints.
Suggestions are fetched in a worker thread once the first screen is painted.
"""

from __future__ import annotations

from functools import partial
from time import perf_counter
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Tree

from ..errors import QcodeError
from . import keymap, render
from .fuzzy import rank
from .suggestions import for_document
from .widgets import (
    ChooseScreen,
    CodebookTree,
    CodeDetail,
    DocumentView,
    HelpScreen,
    MemoPanel,
    Prompt,
    SideColumn,
    StatusLine,
)

if TYPE_CHECKING:
    from ..codings import Coding
    from ..corpus import Document
    from .session import Session

CSS = """
#main { height: 1fr; }
#side { width: 36%; min-width: 24; max-width: 48; border-left: solid $primary-darken-2; }
DocumentView:focus { background-tint: $foreground 3%; }
"""


def _bindings() -> list[BindingType]:
    keys = [Binding(k.keys, k.action, k.help, show=False) for k in keymap.bound()]
    numbers = [Binding(key, f"number({i + 1})", f"apply code {i + 1}", show=False)
               for i, key in enumerate(keymap.NUMBER_KEYS)]
    return [*keys, *numbers]


class CodingApp(App[None]):
    """``qcode code`` and ``qcode review``."""

    CSS = CSS
    TITLE = "qcode"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = _bindings()

    def __init__(self, session: Session, *, method: str = "rules", started: float | None = None,
                 shortcuts: dict[str, str] | None = None) -> None:
        super().__init__()
        self.session = session
        self.shortcuts = dict(shortcuts or {})
        self.method = method
        if method == "off":
            session.suggestions_wanted = False
        self.colours = render.code_colours(session.codebook)
        self.numbers = {c.id: i + 1 for i, c in enumerate(session.codes)}
        self.message: Text | str = ""
        self.started = perf_counter() if started is None else started
        self.first_paint: float | None = None
        self._memo_coding: Any = None
        self._rejecting: Any = None

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield DocumentView(self.session, self.colours, id="doc")
            with SideColumn(id="side"):
                yield CodebookTree(self.session.codebook, self.numbers, self.colours,
                                   self.shortcuts, id="codebook")
                yield MemoPanel(id="memos")
                yield CodeDetail(id="detail")
        yield Prompt(id="prompt")
        yield StatusLine(id="status")

    def on_mount(self) -> None:
        self.query_one(DocumentView).focus()
        tree = self.query_one(CodebookTree)
        if self.session.codes:
            tree.point_at(self.session.codes[0].id)
        self.show_status()
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        self.first_paint = perf_counter() - self.started
        self.fetch_suggestions()

    def show_status(self) -> None:
        text = render.status(self.session, "")
        if self.message:
            first = self.message if isinstance(self.message, Text) else Text(self.message)
            text = Text.assemble(first, "\n", text.split("\n")[-1])
        review = getattr(self.session, "review_label", None)
        if review:
            text = Text.assemble(text.split("\n")[0], "\n", (review + " · ", "bold"),
                                 text.split("\n")[-1])
        self.query_one(StatusLine).show(text)

    def repaint(self) -> None:
        self.query_one(DocumentView).refresh()
        self.query_one(MemoPanel).show(render.memo_panel(self.session),
                                       f"qcode memos --doc {self.session.doc.id}")
        self.show_status()

    def run_step(self, method: Any, *args: Any) -> None:
        """Call a session method; what it says (or its error) goes on the status line."""
        try:
            said = method(*args)
        except QcodeError as exc:
            self.message = Text(f"! {exc.message}", style="bold red")
        else:
            self.message = said or ""
        self.repaint()

    # ------------------------------------------------------------ suggestions

    def fetch_suggestions(self) -> None:
        if not self.session.suggestions_wanted or self.method == "off":
            return
        doc = self.session.doc
        self.run_worker(partial(self._fetch, doc), thread=True, exclusive=True,
                        group="suggest", exit_on_error=False)

    def _fetch(self, doc: Document) -> None:
        try:
            found, note = for_document(self.session.project, self.session.coder, doc,
                                       self.method)
        except QcodeError as exc:
            found, note = [], f"suggestions unavailable: {exc.message}"
        except Exception as exc:  # noqa: BLE001  a failing suggester must not end the session
            found, note = [], f"suggestions failed ({type(exc).__name__}: {exc})"
        self.call_from_thread(self._suggested, doc.id, found, note)

    def _suggested(self, doc_id: str, found: list[Any], note: str) -> None:
        if doc_id != self.session.doc.id:
            return
        self.session.set_suggestions(found)
        if note:
            self.message = note
        self.repaint()

    # ------------------------------------------------------------ moving

    def action_move(self, step: int) -> None:
        self.run_step(self.session.move, step)

    def action_turn(self, step: int) -> None:
        self.run_step(self.session.turn, step)

    def action_page(self, step: int) -> None:
        shown = max(self.query_one(DocumentView).shown - 1, 1)
        self.run_step(self.session.move, step * shown)

    def action_edge(self, step: int) -> None:
        self.run_step(self.session.edge, step)

    def action_uncoded(self, step: int) -> None:
        before = self.session.doc.id
        self.run_step(self.session.uncoded, step)
        self._opened(before)

    def _opened(self, before: str) -> None:
        """After a step that may have opened another document: start at its top and
        fetch its suggestions."""
        if self.session.doc.id != before:
            self.query_one(DocumentView).top = 0
            self.fetch_suggestions()
            self.repaint()

    def action_find_text(self) -> None:
        self.query_one(Prompt).start("find", "Search the text (Enter: next match; ; and , "
                                     "go on)")

    def action_find_again(self, step: int) -> None:
        self.run_step(self.session.find_again, step)

    def action_jump(self) -> None:
        self.query_one(Prompt).start("jump", f"Go to: a {self.session.kind} number, t N for "
                                     "a turn, or a speaker's name (Enter)")

    def action_disagreement(self, step: int) -> None:
        self.run_step(self.session.disagreement, step)

    def action_suggestion(self, step: int) -> None:
        self.run_step(self.session.suggestion, step)

    def action_document(self, step: int) -> None:
        before = self.session.doc.id
        self.run_step(self.session.document, step)
        self._opened(before)

    def action_grow(self, edge: str, unit: str, step: int) -> None:
        self.run_step(self.session.grow, edge, unit, step)

    def action_reset_selection(self) -> None:
        self.run_step(self.session.reset_selection)

    def action_focus_document(self) -> None:
        self.query_one(DocumentView).focus()

    # ------------------------------------------------------------ coding

    def apply(self, code: str) -> None:
        self.run_step(self.session.apply, code)
        if self.session.last_code:
            self.query_one(CodebookTree).point_at(self.session.last_code)

    def action_number(self, n: int) -> None:
        if n > len(self.session.codes):
            self.run_step(lambda: f"no code number {n}: the codebook has "
                          f"{len(self.session.codes)} active codes")
            return
        self.apply(self.session.codes[n - 1].id)

    def action_apply_cursor(self) -> None:
        code = self.query_one(CodebookTree).code
        if code is not None:
            self.apply(code)

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        if event.node.data:
            self.apply(event.node.data)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        code = self.session.codebook.get(event.node.data) if event.node.data else None
        if code is not None:
            detail = render.code_detail(code, self.numbers.get(code.id),
                                        self.colours.get(code.id, ""))
            self.query_one(CodeDetail).show(detail)

    def on_key(self, event: Any) -> None:
        code = self.shortcuts.get(event.key)
        if code is not None and not isinstance(self.focused, Input):
            event.stop()
            self.apply(code)

    def action_repeat(self) -> None:
        self.run_step(self.session.repeat)

    def action_search(self) -> None:
        self.query_one(Prompt).start("search", "Find a code (↑↓ choose, Enter apply, Esc)")
        self.show_matches()

    def show_matches(self) -> None:
        prompt = self.query_one(Prompt)
        if not prompt.matches:
            prompt.info(Text("no code matches", style="italic"))
            return
        parts = []
        for i, code in enumerate(prompt.matches[:6]):
            chosen = i == prompt.chosen
            parts.append(Text(f"{'▸' if chosen else ' '}{code.id} ",
                              style="reverse bold" if chosen else ""))
        prompt.info(Text(" ").join(parts))
        self.query_one(CodebookTree).point_at(prompt.matches[prompt.chosen].id)

    def on_input_changed(self, event: Input.Changed) -> None:
        prompt = self.query_one(Prompt)
        if prompt.mode == "search":
            prompt.matches, prompt.chosen = rank(event.value, self.session.codes, 6), 0
            self.show_matches()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        prompt = self.query_one(Prompt)
        mode, value = prompt.mode, event.value
        if mode == "search" and not prompt.matches:
            return
        prompt.action_close()
        if mode == "search":
            self.apply(prompt.matches[prompt.chosen].id)
        elif mode == "find":
            self.run_step(self.session.find, value)
        elif mode == "jump":
            self.run_step(self.session.jump, value)
        elif mode == "reject":
            self.run_step(self.session.reject, value.strip() or None, self._rejecting)
        elif mode.startswith("memo:"):
            target = mode.partition(":")[2]
            self.run_step(self.session.memo, value, target, self._memo_coding)

    def action_remove(self) -> None:
        codings = self.session.removable()
        if not codings:
            self.run_step(lambda: "no coding of yours on the selection")
        elif len(codings) == 1:
            self.run_step(self.session.remove, codings[0])
        else:
            self.choose("Remove which coding?", codings,
                        lambda c: self.run_step(self.session.remove, c))

    def choose(self, title: str, codings: list[Any], then: Any) -> None:
        options = [f"{c.code} {c.span} “{self.session.doc.text[c.start:c.end][:40]}”"
                   for c in codings]

        def picked(index: int | None) -> None:
            if index is not None:
                then(codings[index])

        self.push_screen(ChooseScreen(title, options), picked)

    def action_memo(self, target: str) -> None:
        if target != "coding":
            self._memo_coding = None
            what = (f"the selection {self.session.selection[0]}:{self.session.selection[1]}"
                    if target == "unit" else f"document {self.session.doc.id}")
            self.query_one(Prompt).start(f"memo:{target}", f"Memo on {what} (Enter saves)")
            return
        codings = self.session.removable()
        if not codings:
            self.run_step(lambda: "no coding of yours on the selection to write a memo on")
            return
        if len(codings) > 1:
            self.choose("Memo on which coding?", codings, self._memo_on)
        else:
            self._memo_on(codings[0])

    def _memo_on(self, coding: Coding) -> None:
        self._memo_coding = coding
        self.query_one(Prompt).start("memo:coding", f"Memo on coding {coding.id} "
                                     f"({coding.code}) (Enter saves)")

    def action_undo(self) -> None:
        self.run_step(self.session.undo)

    def action_accept(self) -> None:
        self.run_step(self.session.accept)

    def action_reject(self) -> None:
        self.run_step(self.session.reject)

    def action_reject_memo(self) -> None:
        s = self.session.shown_suggestion()
        if s is None or not self.session.can_reject:
            self.run_step(self.session.reject)  # says why there is nothing to reject
            return
        self._rejecting = s  # the one named in the prompt, whatever is shown by Enter
        self.query_one(Prompt).start("reject", f"Reject {s.code} on {s.start}:{s.end}: why? "
                                     "(Enter rejects; empty: no memo)")

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.shortcuts))


def screen_text(app: App[Any]) -> str:
    """The current screen as plain text, one line per row (tests and docs)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False, safe_box=False)
    # Private Textual API, on purpose: Textual has no public way to read the screen as
    # text. Its public App.export_screenshot() makes exactly this render of the
    # compositor (the same two private names, textual/app.py in 8.x) and returns it
    # only as SVG; no upstream issue asks for a text form (searched, none found). Kept
    # to this one function, which the snapshot tests (test_tui_snapshot) run, so a
    # Textual release that changes these names fails there first.
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    lines = console.export_text(styles=False).split("\n")[:height]
    return "\n".join(line.rstrip() for line in lines) + "\n"
