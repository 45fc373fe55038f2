# The one task runner: README, CI and developers all call these targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
# The demo's ports, from the environment or the command line: make demo PORT=8001 NOTIFY_PORT=6012
PORT ?= 8000
NOTIFY_PORT ?= 6011
# Given to every demo process, so a second copy needs no .env edits.
DEMO_ENV := PORT=$(PORT) NOTIFY_PORT=$(NOTIFY_PORT) NOTIFY_BASE_URL=http://127.0.0.1:$(NOTIFY_PORT)
MANAGE := $(UV) run python manage.py

.PHONY: help install demo test lint format serve

help:
	@echo "make demo   install everything, load the demo county and serve it on http://127.0.0.1:$(PORT)/"
	@echo "make test   run the whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set)"
	@echo "make lint   ruff, and the checks that views reach personal data only through scoped queries and actions run in a transaction"

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || { \
	  echo "Installing uv from PyPI"; \
	  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv \
	  || python3 -m pip install --quiet --user --break-system-packages uv; }
	$(UV) sync --frozen --quiet
	@command -v node >/dev/null 2>&1 || { echo "Node.js 20 or newer is needed for the front-end build"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	@test -f .env || { sed "s|^DJANGO_SECRET_KEY=.*|DJANGO_SECRET_KEY=$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')|" dotenv-sample > .env; echo "Created .env from dotenv-sample"; }
	@command -v uv >/dev/null 2>&1 || echo "(uv is installed but not on your PATH; nothing documented needs it: use the make targets and .venv/bin/python)"

demo: install
	$(MANAGE) migrate --verbosity 0
	LINKWORK_NONPROD=1 $(DEMO_ENV) $(MANAGE) load_demo
	@grep -q '^NOTIFY_API_KEY=' .env || grep '^NOTIFY_' dotenv-sample >> .env
	@echo ""
	@echo "linkwork demo: http://127.0.0.1:$(PORT)/   (Ctrl+C to stop)"
	@echo "Also running: the background worker, and a fake GOV.UK Notify on port $(NOTIFY_PORT) that prints every text and email."
	@trap 'kill 0' EXIT; \
	LINKWORK_NONPROD=1 $(DEMO_ENV) $(MANAGE) fake_notify --port $(NOTIFY_PORT) & \
	$(DEMO_ENV) $(MANAGE) worker --verbosity 0 & \
	$(DEMO_ENV) $(MANAGE) runserver 127.0.0.1:$(PORT)

test: install
	$(UV) run pytest $(PYTEST_ARGS)

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run python scripts/lint_model_usage_in_views.py
	$(UV) run python scripts/lint_actions_atomic.py

format:
	$(UV) run ruff format .
	$(UV) run ruff check --fix .
