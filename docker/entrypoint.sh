#!/usr/bin/env bash
# Start one linkwork process, as job-server's docker/entrypoints/prod.sh does: check the
# production settings, bring the database schema up to date, then become the process.
#
#   docker/entrypoint.sh web                 gunicorn (gunicorn.conf.py) on $PORT, default 8000;
#                                            PROMETHEUS_MULTIPROC_DIR (default
#                                            /tmp/linkwork-prometheus) made and emptied first
#   docker/entrypoint.sh worker [options]    background tasks (e.g. --queue-name bulk)
#   docker/entrypoint.sh sweep               books each periodic duty as a task when it falls due
#   docker/entrypoint.sh migrate             only the checks and the migrations, then exit
#   docker/entrypoint.sh <command> [args]    anything else, after the same checks
#
# LINKWORK_MIGRATE=0 skips the migrations (when a release step, or the `migrate` service in
# compose.yaml, has already run them). Settings come from the environment (docs/operations.md).
set -euo pipefail

cd "$(dirname "$0")/.."

if [ -x .venv/bin/python ]; then
  PYTHON=.venv/bin/python
else
  PYTHON=python
fi

if [ "$#" -eq 0 ]; then
  echo "usage: $0 web|worker|sweep|migrate|<command> [args]" >&2
  exit 64
fi

# Refuse to start with unsafe or incomplete settings (a missing or sample secret key, DEBUG
# on, cookies not secure…): the process never starts, and the orchestrator shows why.
"$PYTHON" manage.py check --deploy --fail-level WARNING

if [ "${LINKWORK_MIGRATE:-1}" != 0 ]; then
  "$PYTHON" manage.py migrate --no-input
  # After an upgrade that changes what the search index stores: listings are indexed again
  # a batch at a time while search keeps working (directory.word_stats.INDEX_VERSION).
  "$PYTHON" manage.py rebuild_search_index --if-outdated
fi

# Static files are collected when the image is built; on a machine without an image,
# collect them once (hashed names and gzip copies: config/staticfiles.py).
static_root=$(DJANGO_SETTINGS_MODULE=config.settings "$PYTHON" -c \
  'from django.conf import settings; print(settings.STATIC_ROOT)')
if [ ! -f "$static_root/staticfiles.json" ]; then
  "$PYTHON" manage.py collectstatic --no-input --verbosity 0
fi

process=$1
shift
case "$process" in
  web)
    # Each gunicorn worker counts its own requests; with PROMETHEUS_MULTIPROC_DIR they write
    # them to files in one folder, so that whichever worker Prometheus reaches answers for
    # all (core/metrics.py). It must exist, and hold nothing from an earlier run, before
    # any worker starts. Only prometheus_client's *.db files are removed, should it name a
    # folder holding anything else.
    export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/linkwork-prometheus}"
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -type f -name '*.db' -delete
    exec "$PYTHON" -m gunicorn --config gunicorn.conf.py "$@"
    ;;
  worker)
    exec "$PYTHON" manage.py worker "$@"
    ;;
  sweep)
    exec "$PYTHON" manage.py sweep "$@"
    ;;
  migrate)
    exit 0
    ;;
  *)
    exec "$process" "$@"
    ;;
esac
