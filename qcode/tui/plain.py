"""``--plain``: the coding view as lines of text, for screen readers, dumb terminals
and scripts. It prints one unit at a time and reads one command per line; every
command calls the same :class:`~qcode.tui.session.Session` method as its key.

The streams are passed in (the CLI gives stdin and stdout); errors go to the
error stream and the session goes on. :data:`HELP` lists the commands.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from ..errors import QcodeError
from ..hints import did_you_mean
from ..safetext import visible
from .render import code_detail

if TYPE_CHECKING:
    from .session import Session

HELP = """\
Commands (one per line; every decision is written at once):
  next [N] | prev [N] | goto N | first | last     move by unit
  goto t N | goto NAME                            go to a turn, or a speaker's next turn
  find TEXT | find | find prev                    search the text (again, backwards)
  turn [prev] | uncoded [prev] | disagreement [prev] | suggestion [prev]
  doc next | doc prev | doc ID                    another document
  show                                            print the current unit again
  grow [start] word|sentence | shrink [start] word|sentence | span A:B | reset
  apply CODE | again                              CODE: number, id, label or a clear prefix
  remove [CODE]                                   remove your coding on the selection
  memo TEXT | memo doc TEXT | memo coding [CODE] TEXT
  a | accept | r [MEMO] | reject [MEMO]           decide the suggestion shown
  undo                                            void your last decision
  codes | code CODE                               list the codes | show a code's rules
  help | quit
"""

ALIASES = {"n": "next", "j": "next", "p": "prev", "k": "prev", "a": "accept", "r": "reject",
           "q": "quit", "exit": "quit", "?": "help", "x": "remove", "u": "undo"}
QUIET = {"help", "codes", "code"}


class Plain:
    """One plain session: ``run`` reads commands until ``quit`` or the end of input."""

    def __init__(self, session: Session, out: TextIO, err: TextIO, *,
                 load_suggestions: Callable[[Any], None] | None = None,
                 prompt: bool = False) -> None:
        self.session = session
        self.out, self.err = out, err
        self.load_suggestions = load_suggestions
        self.prompt = prompt
        self.failed = 0

    def say(self, text: str) -> None:
        self.out.write(visible(text) + "\n")
        self.out.flush()

    def run(self, lines: TextIO) -> int:
        """Process commands; returns 0, or 2 when any command failed."""
        self._suggest()
        self.say(f"{self.session.coder} coding {len(self.session.doc_ids)} documents; "
                 "type help for commands.")
        self.show()
        while True:
            if self.prompt:
                self.out.write("> ")
                self.out.flush()
            line = lines.readline()
            if not line or self.handle(line.strip()) == "quit":
                break
        if self.failed:
            self.err.write(f"{self.failed} command(s) failed.\n")
        return 2 if self.failed else 0

    def handle(self, line: str) -> str | None:
        """One command line; returns "quit" to stop."""
        if not line or line.startswith("#"):
            return None
        try:
            words = shlex.split(line)
        except ValueError:
            words = line.split()
        verb, args = ALIASES.get(words[0].lower(), words[0].lower()), words[1:]
        if verb == "quit":
            return "quit"
        doc_before = self.session.doc.id
        try:
            said, moved = self.dispatch(verb, args, line)
        except QcodeError as exc:
            self.failed += 1
            self.err.write(f"Error: {visible(exc.message)}\n")
            self.err.flush()
            return None
        if said:
            self.say(said)
        if self.session.doc.id != doc_before:
            self._suggest()
        if moved:
            self.show()
        elif verb not in QUIET:
            self.say("  " + self.codes_line())
        return None

    def _suggest(self) -> None:
        if self.load_suggestions is not None and self.session.suggestions_wanted:
            self.load_suggestions(self.session)

    # ------------------------------------------------------------ commands

    def dispatch(self, verb: str, args: list[str], line: str) -> tuple[str, bool]:
        """``(what to say, whether the unit changed)`` for one command."""
        s = self.session
        step = -1 if args[:1] == ["prev"] else 1
        moves: dict[str, Callable[[], str]] = {
            "next": lambda: s.move(_count(args)), "prev": lambda: s.move(-_count(args)),
            "first": lambda: s.edge(-1), "last": lambda: s.edge(1),
            "goto": lambda: self._goto(line, args), "turn": lambda: s.turn(step),
            "find": lambda: self._find(line, args),
            "uncoded": lambda: s.uncoded(step), "disagreement": lambda: s.disagreement(step),
            "suggestion": lambda: s.suggestion(step), "doc": lambda: self._doc(args),
            "show": lambda: "", "reset": s.reset_selection,
            "span": lambda: s.select(*_span(args)),
            "grow": lambda: self._grow(args, 1), "shrink": lambda: self._grow(args, -1),
        }
        if verb in moves:
            return moves[verb](), True
        decisions: dict[str, Callable[[], str]] = {
            "apply": lambda: s.apply(_rest(line, "a code")), "again": s.repeat,
            "remove": lambda: self._remove(args), "memo": lambda: self._memo(line, args),
            "undo": s.undo, "accept": s.accept,
            "reject": lambda: s.reject(_rest(line) or None),
            "help": lambda: HELP.rstrip(), "codes": self._codes,
            "code": lambda: self._code(_rest(line, "a code")),
        }
        if verb in ("accept", "again", "undo") and args:  # a decision is never guessed
            raise QcodeError(f"{verb} takes nothing after it; to code the selection with "
                             f"{' '.join(args)!r}, write `apply {' '.join(args)}`.")
        if verb in decisions:
            return decisions[verb](), False
        raise QcodeError(f"Unknown command {verb!r}; type help for the commands.")

    def _goto(self, line: str, args: list[str]) -> str:
        """``goto N`` (a unit), ``goto t N`` (a turn) or ``goto NAME`` (a speaker)."""
        return self.session.jump(_rest(line, "a unit number, t N or a speaker's name"))

    def _find(self, line: str, args: list[str]) -> str:
        """``find TEXT``; ``find`` or ``find prev`` goes on with the last search."""
        if not args or args == ["prev"] or args == ["next"]:
            return self.session.find_again(-1 if args == ["prev"] else 1)
        return self.session.find(_rest(line, "the text to find"))

    def _doc(self, args: list[str]) -> str:
        if not args or args[0] in ("next", "prev"):
            return self.session.document(-1 if args[:1] == ["prev"] else 1)
        if args[0] not in self.session.doc_ids:
            hint = did_you_mean(args[0], self.session.doc_ids)
            raise QcodeError(f"No document {args[0]!r}{hint or '; see `qcode docs`.'}")
        self.session.open(args[0])
        return f"opened {args[0]}"

    def _grow(self, args: list[str], step: int) -> str:
        edge = "start" if "start" in args else "end"
        unit = "sentence" if "sentence" in args else "word"
        return self.session.grow(edge, unit, step)

    def _remove(self, args: list[str]) -> str:
        codings = self.session.removable()
        if args:
            code = self.session.code_by(" ".join(args)).id
            codings = [c for c in codings if c.code == code]
        if len(codings) != 1:
            spans = ", ".join(f"{c.code} {c.span}" for c in codings) or "none"
            raise QcodeError(f"Name exactly one coding of yours on the selection to remove "
                             f"(there: {spans}); e.g. `remove CODE` or `span A:B` first.")
        return self.session.remove(codings[0])

    def _memo(self, line: str, args: list[str]) -> str:
        text = _rest(line, "the memo text")
        target = args[0] if args and args[0] in ("doc", "document", "coding") else "unit"
        if target == "unit":
            return self.session.memo(text, "unit")
        text = _rest(text, "the memo text")
        if target != "coding":
            return self.session.memo(text, "document")
        codings = self.session.removable()
        first = text.split()[0]
        if len(codings) > 1 or first in {c.code for c in codings}:
            code = self.session.code_by(first).id
            codings = [c for c in codings if c.code == code]
            text = _rest(text, "the memo text")
        if len(codings) != 1:
            raise QcodeError("Name one of your codings on the selection: memo coding CODE TEXT.")
        return self.session.memo(text, "coding", codings[0])

    def _codes(self) -> str:
        return "\n".join(f"  {i}. {c.id} — {c.label}" for i, c in
                         enumerate(self.session.codes, start=1))

    def _code(self, name: str) -> str:
        code = self.session.code_by(name)

        return code_detail(code, None, "").plain

    # ------------------------------------------------------------ output

    def codes_line(self) -> str:
        s = self.session
        mine = ", ".join(s.mine_by_unit[s.index]) or "none"
        line = f"codes: {mine}"
        if s.compare:
            theirs = ", ".join(s.theirs_by_unit[s.index]) or "none"
            line += f" | {s.compare}: {theirs}" + (" (differs)" if s.differs(s.index) else "")
        return line

    def show(self) -> None:
        s = self.session
        a, b = s.unit
        head = f"[{s.doc.id}] {s.kind} {s.index + 1}/{len(s.units)}"
        turn = s.turn_of(s.index)
        if turn is not None and turn.speaker:
            head += f" · {turn.speaker}" + (f" {turn.time}" if turn.time else "")
        elif turn is not None and turn.heading:
            head += f" · {turn.heading}"
        review = getattr(s, "review_label", None)
        self.say(f"{review} · {head}" if review else head)
        self.say(s.doc.text[a:b])
        self.say("  " + self.codes_line())
        if s.selection != s.unit:
            start, end = s.selection
            self.say(f"  selection {start}:{end}: {s.doc.text[start:end]}")
        here = s.suggestions_here()
        for k, sug in enumerate(here):
            score = f" {sug.score:.2f}" if isinstance(sug.score, int | float) else ""
            mark = s.CHOICE if k == min(s.pick, len(here) - 1) else "also"
            self.say(f"  {mark}: {sug.code}{score} — {sug.reason} ({s.HINT})"
                     if mark == s.CHOICE else f"  {mark}: {sug.code}{score} — {sug.reason}")


def _count(args: list[str]) -> int:
    if not args:
        return 1
    if not args[0].isdigit() or int(args[0]) < 1:
        raise QcodeError(f"{args[0]!r} is not a positive number of units.")
    return int(args[0])


def _span(args: list[str]) -> tuple[int, int]:
    start, _, end = (args[0] if args else "").partition(":")
    if not (start.isdigit() and end.isdigit()):
        raise QcodeError("Write the span as START:END, e.g. span 120:180.")
    return int(start), int(end)


def _rest(line: str, what: str = "") -> str:
    """The text after the first word of ``line``."""
    rest = line.strip().partition(" ")[2].strip()
    if not rest and what:
        raise QcodeError(f"Give {what} after the command.")
    return rest
