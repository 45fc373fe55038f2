# The one task runner: README, CI and developers all call these targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
# The demo's ports, from the environment or the command line:
#   make demo PORT=8001 NOTIFY_PORT=6012 OIDC_PORT=6022
PORT ?= 8000
NOTIFY_PORT ?= 6011
# The fake NHS CIS2 (OpenID Connect) the demo area's single sign-on points at.
OIDC_PORT ?= 6021
# Its client (nonprod/demo_administration.py): linkwork reads the secret from
# LINKWORK_OIDC_SECRET_<the demo area's code>, and the fake signs in DEMO_SSO_EMAIL.
DEMO_OIDC_CLIENT := --client-id linkwork-demo --client-secret linkwork-demo-oidc-secret
DEMO_SSO_EMAIL := linkworker1@demo.linkwork.test
# Given to every demo process, so a second copy needs no .env edits.
DEMO_ENV := PORT=$(PORT) NOTIFY_PORT=$(NOTIFY_PORT) NOTIFY_BASE_URL=http://127.0.0.1:$(NOTIFY_PORT) \
  OIDC_PORT=$(OIDC_PORT) LINKWORK_OIDC_SECRET_E54000059=linkwork-demo-oidc-secret
MANAGE := $(UV) run python manage.py

.PHONY: help install demo test lint format serve

help:
	@echo "make demo   install everything, load the demo county and serve it on http://127.0.0.1:$(PORT)/"
	@echo "make serve  the production processes on one machine (web on $(PORT), workers, sweep), settings from the environment: docs/operations.md"
	@echo "make test   run the whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set)"
	@echo "make lint   ruff, and the checks that views reach personal data only through scoped queries and actions run in a transaction"

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || { \
	  echo "Installing uv from PyPI"; \
	  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv \
	  || python3 -m pip install --quiet --user --break-system-packages uv; }
	@# Bytecode compiled at install: where PYTHONDONTWRITEBYTECODE is set (containers, some
	@# CI machines) every process would otherwise compile every module from source as it
	@# starts, the tests' subprocesses and each gunicorn and task worker included.
	$(UV) sync --frozen --quiet --compile-bytecode
	.venv/bin/python -m compileall -q -j 0 -x '/(\.venv|node_modules|static_build|\.git)/' . > /dev/null
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
	@echo "Also running: the background worker and the periodic sweep, a fake GOV.UK Notify on port $(NOTIFY_PORT) that prints every text and email,"
	@echo "and a fake NHS CIS2 on port $(OIDC_PORT): \"Sign in with NHS CIS2 (demo)\" on the sign-in page signs in $(DEMO_SSO_EMAIL)."
	@trap 'kill 0' EXIT; \
	LINKWORK_NONPROD=1 $(DEMO_ENV) $(MANAGE) fake_notify --port $(NOTIFY_PORT) & \
	LINKWORK_NONPROD=1 $(DEMO_ENV) $(MANAGE) fake_oidc_provider --port $(OIDC_PORT) $(DEMO_OIDC_CLIENT) \
	  --email $(DEMO_SSO_EMAIL) --subject demo-cis2-linkworker1 & \
	$(DEMO_ENV) $(MANAGE) worker --verbosity 0 & \
	$(DEMO_ENV) $(MANAGE) sweep --verbosity 0 & \
	$(DEMO_ENV) $(MANAGE) runserver 127.0.0.1:$(PORT)

# The production processes on one machine, as an operator runs them (docs/operations.md):
# settings from the environment (or the file LINKWORK_ENV_FILE names), checked with
# check --deploy; migrations once; then the web server on $(PORT), a worker for each queue
# and the periodic sweep. Ctrl+C stops them all.
# make serve PORT=… (or PORT in the environment) wins; otherwise PORT comes from the settings
# file (LINKWORK_ENV_FILE or .env), as gunicorn.conf.py reads it, and make must not mask it.
SERVE_PORT := $(if $(filter command line environment,$(origin PORT)),$(PORT))

serve:
	@test -x .venv/bin/python -a -d static_build || { echo "Run make install first (it builds the Python environment and static_build/)"; exit 1; }
	docker/entrypoint.sh migrate
	@# Collected afresh at each start, so the files served are those of this checkout.
	.venv/bin/python manage.py collectstatic --no-input --verbosity 0
	@echo ""
	@echo "linkwork: web on port $(or $(SERVE_PORT),\$$PORT of the settings (default 8000)), workers for the default and bulk queues, the periodic sweep   (Ctrl+C to stop)"
	@trap 'kill 0' EXIT; \
	export LINKWORK_MIGRATE=0 $(if $(SERVE_PORT),PORT=$(SERVE_PORT)); \
	docker/entrypoint.sh worker --queue-name default & \
	docker/entrypoint.sh worker --queue-name bulk & \
	docker/entrypoint.sh sweep & \
	docker/entrypoint.sh web

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
