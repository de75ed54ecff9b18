# Two commands on a fresh machine with only Python:  make demo  /  make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   ?= demo-study

.PHONY: install demo test bench lint clean fuzz

# An editable install writes no bytecode, and where PYTHONDONTWRITEBYTECODE is set
# nothing ever would (every command compiled qcode again): compile it once, as
# installing a wheel does.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	$(BIN)/python -m compileall -q qcode
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	rm -rf $(DEMO)
	$(BIN)/qcode demo $(DEMO)

# Everything, on every CPU (pytest-xdist); a test file stays on one worker so that its
# module fixtures are built once.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile

# The fuzz suite with many times CI's budget (tests/test_fuzz.py, profile "fuzz").
fuzz: $(STAMP)
	QCODE_FUZZ_PROFILE=fuzz $(BIN)/python -m pytest tests/test_fuzz.py -q -p no:randomly \
		--hypothesis-show-statistics

bench: $(STAMP)
	$(BIN)/python -m compileall -q qcode
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

# ruff, the import contracts of docs/architecture.md (pyproject.toml [tool.importlinter]),
# then the type checker on qcode/ (pyproject.toml [tool.mypy]).
lint: $(STAMP)
	$(BIN)/ruff check qcode tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .hypothesis
