"""Package names that load on first use: every listed name is what it says (never a
module that shares its name), and reading a stored document or the index does not
load ingest, the readers, the batch re-coder or the suggesters."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from qcode import lazy

PACKAGES = ("qcode", "qcode.corpus", "qcode.migrations")


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout


def test_every_exported_name_is_the_object_even_after_its_module_was_imported() -> None:
    # import every module of the packages first, as a long session would, then ask
    # for each exported name: a name that shares its module's name would be the module
    code = (
        "import importlib, pkgutil, types, qcode\n"
        "for m in pkgutil.walk_packages(qcode.__path__, 'qcode.'):\n"
        "    if m.name.startswith(('qcode.corpus', 'qcode.migrations', 'qcode.suggest',"
        " 'qcode.intake', 'qcode.codings', 'qcode.coding', 'qcode.audit', 'qcode.codebook')):\n"
        "        importlib.import_module(m.name)\n"
        f"for p in {PACKAGES!r}:\n"
        "    pkg = importlib.import_module(p)\n"
        "    for name in pkg.__all__:\n"
        "        if isinstance(getattr(pkg, name), types.ModuleType):\n"
        "            print(p + '.' + name)\n"
    )
    assert _run(code) == ""


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_resolves(package: str) -> None:
    import importlib

    pkg = importlib.import_module(package)
    for name in pkg.__all__:
        value = getattr(pkg, name)
        assert not isinstance(value, types.ModuleType), name


def test_a_name_that_is_its_own_module_is_refused() -> None:
    with pytest.raises(ValueError, match="'ingest' names its own module"):
        lazy.exports("qcode.corpus", {"ingest": ".ingest"})


def test_an_unknown_name_is_an_attribute_error() -> None:
    import qcode.corpus

    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        qcode.corpus.nothing_here  # noqa: B018


def test_reading_documents_and_the_index_loads_no_ingest_recoder_or_suggester() -> None:
    code = (
        "import sys\n"
        "import qcode.corpus.store, qcode.index, qcode.trail, qcode.migrations.history\n"
        "print(sorted(m for m in sys.modules if m.startswith(('qcode.corpus.ingest',"
        " 'qcode.corpus.readers', 'qcode.migrations.batch', 'qcode.suggest'))))\n"
    )
    assert _run(code).strip() == "[]"
