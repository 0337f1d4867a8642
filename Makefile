# The two commands of the README: `make demo` and `make test`. Both work on a fresh clone with
# python3 (3.11+) and make: they create .venv and install the locked dependencies with uv.

PYTHON ?= python3
PORT ?= 8000
UV := .tools/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test lint imports types check-migrations pytest install messages bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check 'uv==0.13.9'

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/pmm demo --port $(PORT)

test: install lint imports types check-migrations pytest

lint:
	$(VENV)/bin/ruff check src tests bench tools
	$(VENV)/bin/ruff format --check src tests bench tools

# The apps' layers (pyproject.toml [tool.importlinter], docs/architecture.md).
imports:
	$(VENV)/bin/lint-imports

types:
	PMM_DEBUG=true $(VENV)/bin/mypy

check-migrations:
	PMM_DEBUG=true DJANGO_SETTINGS_MODULE=pmm.config.test_settings $(VENV)/bin/python -m django makemigrations --check --dry-run

# The suite in parallel, one worker per core (pytest-xdist; each worker has its own test database).
pytest:
	$(if $(PMM_TEST_DATABASE_URL),PMM_DATABASE_URL=$(PMM_TEST_DATABASE_URL)) $(VENV)/bin/pytest -n auto

# Developer helpers (not needed by the two README commands).
messages:
	cd src/pmm && ../../$(VENV)/bin/python -m django makemessages -l fr --no-obsolete --settings=pmm.config.test_settings
	cd src/pmm && ../../$(VENV)/bin/python -m django compilemessages --settings=pmm.config.test_settings

# Every bench, then the load test, and one summary table (docs/performance.md); 15 to 20 minutes.
# BENCH_ARGS="--quick --database both" for the short run on SQLite and PostgreSQL.
bench: install
	PMM_DEBUG=true $(VENV)/bin/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .tools .mypy_cache .pytest_cache .ruff_cache
