# syntax=docker/dockerfile:1
#
# linkwork's production image, in the shape of opensafely-core/job-server's: the front end
# built in a Node stage, the Python environment built from uv.lock in a uv stage, and a slim
# runtime holding only those, the code and the collected static files, run as a user
# without root. docker/entrypoint.sh checks the settings and migrates, then runs the process
# named as the command: web (the default), worker, sweep. See docs/operations.md.
#
#   docker build -t linkwork .
#   docker run --env-file production.env linkwork            # the web process on :8000
#   docker run --env-file production.env linkwork worker --queue-name bulk

##################################################
# Front end: NHS.UK frontend, htmx and the compiled stylesheet, into static_build/
FROM node:20-bookworm-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
# axe-core (the only devDependency) is for the browser tests, not the image.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund --loglevel=error
COPY scripts/build-frontend.mjs scripts/
COPY static/scss static/scss
RUN npm run --silent build

##################################################
# Python dependencies, exactly as locked in uv.lock, without the development group
FROM python:3.11-slim-bookworm AS python-deps
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project

##################################################
# The runtime: code, dependencies, collected static files; no compilers, no Node, no uv
FROM python:3.11-slim-bookworm AS production

LABEL org.opencontainers.image.title="linkwork" \
      org.opencontainers.image.description="Social prescribing for the NHS in England" \
      org.opencontainers.image.licenses="MIT"

RUN groupadd --system --gid 10001 linkwork \
    && useradd --system --uid 10001 --gid linkwork --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin linkwork

# LINKWORK_ENV_FILE= : settings come from the container's environment only, never a .env file.
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    LINKWORK_ENV_FILE= \
    PORT=8000

WORKDIR /app
COPY --from=python-deps /app/.venv /app/.venv
# .dockerignore leaves out .env, databases, node_modules, the tests and anything built here.
COPY . /app
COPY --from=frontend /app/static_build /app/static_build

# The application's own modules compiled once here (the dependencies were, by uv): with
# PYTHONDONTWRITEBYTECODE nothing is written at run time, so without this every gunicorn
# worker (replaced every GUNICORN_MAX_REQUESTS) and every task worker would compile them
# from source as it starts (bench/README.md, "Start-up").
RUN python -m compileall -q -j 0 -x '/app/\.venv/' /app

# Hashed, compressed static files, built into the image (root-owned, read-only to the app).
# The secret key is a throwaway for this one command; the running container needs its own.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    python manage.py collectstatic --no-input --verbosity 0

USER linkwork:linkwork
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]

ARG BUILD_DATE=unknown
ARG GITREF=unknown
LABEL org.opencontainers.image.created=$BUILD_DATE \
      org.opencontainers.image.revision=$GITREF
