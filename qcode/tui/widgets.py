"""The widgets of the coding view: the document pane, the codebook tree with the
rules of the code under its cursor, the prompt line, the status line, and the
help and choice overlays."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static, Tree

from . import keymap, render

if TYPE_CHECKING:
    from ..codebook import Codebook
    from .session import Session


class _Host(Protocol):
    """What the widgets call on the coding view's App (:class:`qcode.tui.app.QcodeApp`,
    which imports them)."""

    def show_status(self) -> None: ...

    def action_focus_document(self) -> None: ...

    def show_matches(self) -> None: ...


def _host(widget: Widget) -> _Host:
    return cast(_Host, widget.app)


class DocumentView(Widget, can_focus=True):
    """The units around the cursor; only what fits on screen is laid out."""

    DEFAULT_CSS = "DocumentView { width: 1fr; height: 1fr; padding: 0 1 0 0; }"
    BINDINGS = [Binding("enter", "app.apply_cursor", "apply the code under the codebook cursor",
                        show=False)]

    def __init__(self, session: Session, colours: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.colours = colours
        self.top = 0
        self.shown = 1

    def render(self) -> Text:
        size = self.content_size
        if size.width <= 0 or size.height <= 0:
            return Text("")
        self.top, lines, self.shown = render.window(
            self.session, self.top, size.width, size.height, self.colours, self.app.console)
        out = Text("\n").join(lines)
        out.no_wrap = True
        out.overflow = "crop"
        return out


class CodebookTree(Tree[str]):
    """The codebook in codebook order; the number before a code is its key."""

    DEFAULT_CSS = "CodebookTree { height: 1fr; min-height: 5; }"

    def __init__(self, codebook: Codebook, numbers: dict[str, int], colours: dict[str, str],
                 shortcuts: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(codebook.name or "codebook", **kwargs)
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = 2
        self.nodes_by_code: dict[str, Any] = {}
        keys = {code: key for key, code in (shortcuts or {}).items()}
        for code in codebook.codes:
            parent = self.nodes_by_code.get(code.parent or "", self.root)  # "": top level
            number = numbers.get(code.id)
            label = Text.assemble((f"{number % 10} " if number and number <= 10 else "  ", "bold"),
                                  ("■ ", colours.get(code.id, "")),
                                  (code.label, "strike" if code.retired else ""),
                                  (f" [{keys[code.id]}]" if code.id in keys else "", "dim"))
            node = parent.add(label, data=code.id, expand=True,
                              allow_expand=bool(codebook.children(code.id)))
            self.nodes_by_code[code.id] = node
        self.root.expand()

    async def _on_click(self, event: Any) -> None:
        """A click shows a code's rules; only Enter applies it (a click is too easy
        to make by accident for something that writes to the audit log)."""
        meta = event.style.meta
        if "line" in meta and not meta.get("toggle", False):
            event.prevent_default()
            self.cursor_line = meta["line"]

    @property
    def code(self) -> str | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def point_at(self, code_id: str) -> None:
        node = self.nodes_by_code.get(code_id)
        if node is not None:
            self.move_cursor(node)


class CodeDetail(VerticalScroll, can_focus=False):
    """Definition, include and exclude criteria and examples of one code."""

    DEFAULT_CSS = """
    CodeDetail { height: 1fr; border-top: solid $primary-darken-2; }
    CodeDetail > Static { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="rules")

    def show(self, text: Text) -> None:
        self.query_one("#rules", Static).update(text)
        self.scroll_home(animate=False)


class SideColumn(Vertical):
    """The codebook, the memo panel and a code's rules, right of the document: when it
    changes size (the terminal did), the memo panel fits its memos to its new share."""

    def on_resize(self) -> None:
        for panel in self.query(MemoPanel):
            panel.refit()


class MemoPanel(Static):
    """The memos on the current unit (this coder's, and the compared coder's), under
    the codebook; hidden when there are none. Memos longer than the panel's lines end
    in a line that says how many more there are and where to read them whole."""

    SHARE = 40  # percent of the side column's height at most
    DEFAULT_CSS = f"""
    MemoPanel {{ height: auto; max-height: {SHARE}%; display: none;
        border-top: solid $primary-darken-2; }}
    MemoPanel.shown {{ display: block; }}
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._text: Text | None = None
        self._whole = ""

    def show(self, text: Text | None, whole: str = "") -> None:
        """``whole``: the command that shows these memos in full."""
        self._text, self._whole = text, whole
        self.set_class(text is not None, "shown")
        self.refit()

    def on_resize(self) -> None:
        self.refit()

    def refit(self) -> None:
        """Fit the memos to the panel's share of the side column."""
        text = self._text
        if text is None:
            self.update("")
            return
        parent = self.parent
        room = (parent.size.height * self.SHARE) // 100 - 1 if isinstance(parent, Widget) else 0
        width = self.size.width
        if room > 1 and width > 0:
            lines = text.wrap(self.app.console, width)
            if len(lines) > room:
                text = self._cut(lines, room, width)
        self.update(text)

    def _cut(self, lines: Any, room: int, width: int) -> Text:
        """The first lines, and then as many lines as it takes to say how many more
        there are and where to read them whole."""
        where = f": {self._whole}" if self._whole else ""
        marker = Text("")
        for _ in range(2):  # the count's own length may change how many lines it takes
            kept = max(room - len(marker.wrap(self.app.console, width)), 1)
            marker = Text(f"… {len(lines) - kept} more lines{where}", style="dim italic")
        marker = Text("\n").join(marker.wrap(self.app.console, width)[: max(room - kept, 1)])
        return Text("\n").join([*lines[:kept], marker])


class StatusLine(Static):
    DEFAULT_CSS = "StatusLine { height: 2; background: $panel; }"

    def show(self, text: Text) -> None:
        width = max(self.size.width, 20) if self.size.width else 80
        lines = []
        for line in text.split("\n"):
            line.truncate(width, overflow="ellipsis")
            lines.append(line)
        out = Text("\n").join(lines)
        out.no_wrap = True
        self.update(out)

    def on_resize(self) -> None:
        _host(self).show_status()


class Prompt(Vertical):
    """One line of input at the bottom: a code search (with its matches above it)
    or a memo."""

    DEFAULT_CSS = """
    Prompt { height: auto; display: none; }
    Prompt.open { display: block; }
    Prompt > Static { height: 1; background: $panel; }
    Prompt > Input, Prompt > Input:focus { height: 1; border: none; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "close", "cancel", show=False),
        Binding("down", "step(1)", "next match", show=False),
        Binding("up", "step(-1)", "previous match", show=False),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mode = ""
        self.matches: list[Any] = []
        self.chosen = 0

    def compose(self) -> ComposeResult:
        yield Static(id="prompt-info")
        yield Input(id="prompt-input")

    def start(self, mode: str, title: str) -> None:
        self.mode, self.matches, self.chosen = mode, [], 0
        self.add_class("open")
        field = self.query_one(Input)
        field.value = ""
        field.placeholder = title
        self.info(Text(title, style="bold"))
        field.focus()

    def info(self, text: Text) -> None:
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.query_one("#prompt-info", Static).update(text)

    def action_close(self) -> None:
        self.remove_class("open")
        self.mode = ""
        _host(self).action_focus_document()

    def action_step(self, step: int) -> None:
        if self.matches:
            self.chosen = (self.chosen + step) % len(self.matches)
            _host(self).show_matches()


class HelpScreen(ModalScreen[None]):
    """Every key, from :mod:`qcode.tui.keymap`."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 78; max-width: 100%; height: 90%;
        border: round $primary; background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close", show=False)]

    def __init__(self, shortcuts: dict[str, str] | None = None) -> None:
        super().__init__()
        self.shortcuts = shortcuts or {}

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(help_text(self.shortcuts))


def help_text(shortcuts: dict[str, str] | None = None) -> Text:
    out = Text("Keys (every decision is saved at once; Esc closes this)\n", style="bold")
    for group, keys in keymap.by_group():
        out.append(f"\n{group}\n", style="bold underline")
        for k in keys:
            out.append(f"  {k.shown:<10}", style="bold")
            out.append(f" {k.help}\n")
    if shortcuts:
        out.append("\nYour shortcuts (shortcuts: in your config file)\n", style="bold underline")
        for key, code in shortcuts.items():
            out.append(f"  {key:<10}", style="bold")
            out.append(f" apply {code}\n")
    return out


class ChooseScreen(ModalScreen[int | None]):
    """Pick one of a few things (codings to remove or to write a memo on)."""

    DEFAULT_CSS = """
    ChooseScreen { align: center middle; }
    ChooseScreen > Vertical { width: 70; max-width: 100%; height: auto; max-height: 80%;
        border: round $primary; background: $surface; }
    ChooseScreen OptionList { height: auto; max-height: 16; }
    """
    BINDINGS = [Binding("escape,q", "dismiss_none", "cancel", show=False)]

    def __init__(self, title: str, options: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text, style="bold"))
            yield OptionList(*[f"{i + 1} {o}" for i, o in enumerate(self.options)])

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_index)

    def on_key(self, event: Any) -> None:
        if event.character and event.character.isdigit():
            n = int(event.character) - 1
            if 0 <= n < len(self.options):
                event.stop()
                self.dismiss(n)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
