"""The keyboard-driven coding view (``qcode code``, ``qcode review``).

``session`` is a coding session without a screen (moving, selecting, deciding),
``review`` the same over a queue (suggestions, or codings a migration left
waiting), ``app`` and ``widgets`` the Textual view, ``plain`` the line-by-line
mode for screen readers and scripts, ``render`` the text both views draw,
``keymap`` every key, ``writes`` the audit lines, ``suggestions`` the link to
:mod:`qcode.suggest`, ``fuzzy`` finding a code by name, ``selection`` growing a
span, ``position`` where each coder left off and ``shortcuts`` a coder's own
keys. Textual is imported only by ``app`` and ``widgets``. docs/tui.md describes
the view.
"""
