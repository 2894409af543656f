# The two commands: `make run` (demo on SQLite, tasks in-process) and `make test`.
PORT ?= 8000
# Where `make web` listens. 127.0.0.1 by default: gunicorn speaks plain http, so it belongs
# behind a TLS proxy on this machine; `make web HOST=0.0.0.0` (or one private address) only
# when the proxy runs on another host and a firewall keeps everyone else out. Set on the
# command line only (`:=`): some shells (tcsh) export HOST as the machine's name.
HOST := 127.0.0.1
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
# `make run` is the embedded demo: SQLite, eager tasks, email to the console.
DEMO_ENV := env -u DATABASE_URL -u REDIS_URL -u EMAIL_URL DJANGO_DEBUG=true

.PHONY: run test worker web check lint backup restore

$(PY):
	python3 -m venv $(VENV)

$(STAMP): requirements.txt | $(PY)
	bash .ci/system-packages.sh
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

run: $(STAMP)
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:$(PORT)/  (Ctrl-C stops)"
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# Production shape (needs DATABASE_URL, REDIS_URL, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS).
# The worker renders plan PDFs from the collected static files (hashed names): collect first.
worker: $(STAMP)
	$(PY) manage.py collectstatic --noinput
	$(VENV)/bin/celery -A clinic worker --beat --loglevel=INFO --queues=default,email,pdf

web: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput
	$(VENV)/bin/gunicorn clinic.wsgi --config gunicorn.conf.py --bind $(HOST):$(PORT) --workers 3

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) .ci/layers.py
	DJANGO_DEBUG=true $(PY) manage.py makemigrations --check --dry-run

# Backups (PostgreSQL + private files; see README "Backup and restore").
backup:
	ops/backup.sh $(BACKUP_DIR)

restore:
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=<backup folder> [FORCE=--force]"; exit 2; }
	ops/restore.sh $(FORCE) $(BACKUP)
