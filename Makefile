# The two commands: `make demo` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
export MALLOPS_DATA_DIR ?= var

.PHONY: demo test venv lint bench trace clean i18n

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(BIN)/mallops migrate --noinput -v 0
	$(BIN)/mallops demo-data
	@echo ""
	@echo "Mallops console:  http://127.0.0.1:$(PORT)/   (API docs: http://127.0.0.1:$(PORT)/api/v1/docs)"
	@echo "Logins (password mallops-demo): see the list above; Ctrl-C stops the server and the worker."
	@echo ""
	$(BIN)/mallops serve --port $(PORT) --with-worker

test: venv
	$(BIN)/python scripts/run_tests.py

lint: venv
	$(BIN)/python scripts/run_tests.py --only-static

trace: venv
	$(BIN)/mallops trace

bench: venv
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache

i18n: venv
	$(BIN)/python scripts/i18n.py
