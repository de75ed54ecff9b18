"""Package names that load on first use (PEP 562).

A package's ``__init__`` that imported all its modules made every ``import
qcode.corpus.store`` pay for readers, ingest and the rest. A package lists its
public names with the module that defines each; :func:`exports` returns the
module ``__getattr__`` that imports that module the first time a name is asked
for. Type checkers and the import contracts read the same names from an
``if TYPE_CHECKING:`` block.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def exports(package: str, names: dict[str, str]) -> Callable[[str], Any]:
    """``__getattr__`` for ``package``: ``names`` maps a public name to its module
    (absolute, or relative to ``package`` when it starts with a dot).

    A name may not be the name of its own module (``ingest`` from ``.ingest``): once
    anything imports that module, Python sets the package attribute to the module,
    and the name would no longer reach ``__getattr__``.
    """
    clash = [name for name, module in names.items() if module.rpartition(".")[2] == name]
    if clash:
        raise ValueError(f"{package}: {clash[0]!r} names its own module; import it eagerly")

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
