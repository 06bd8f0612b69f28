# Two commands on a fresh Debian machine: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Debian packages: PDF rendering (Pango, DejaVu; Symbola, Droid Sans Fallback and Noto Color Emoji
# for symbols, emoji, Chinese and Japanese), PDF checks (poppler), catalogues (gettext),
# browser tests (chromium), the XLSX export read back by a spreadsheet (libreoffice-calc-nogui:
# ~85 MB downloaded in 6 s and installed in 21 s here, measured; ~4 s per conversion).
APT_PACKAGES := chromium poppler-utils gettext fonts-dejavu-core fonts-symbola fonts-droid-fallback fonts-noto-color-emoji libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libreoffice-calc-nogui
RUN_DATABASE_URL ?= sqlite:///$(CURDIR)/db.sqlite3
TEST_ENV := SECRET_KEY=test-only-secret-key DJANGO_ALLOW_ASYNC_UNSAFE=true DB_CONN_MAX_AGE=0
# The suite runs in parallel (pytest-xdist), one process per core, whole files per process
# (module fixtures are built once); each process has its own test database (test_<name>_gw0…).
# TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= $(shell nproc)

.PHONY: run serve test lint format system-deps venv messages demo-png clean worker beat

run: system-deps $(STAMP)
	DEBUG=1 DATABASE_URL=$(RUN_DATABASE_URL) $(BIN)/python manage.py migrate --no-input
	DEBUG=1 DATABASE_URL=$(RUN_DATABASE_URL) $(BIN)/python manage.py demo_data
	@echo "→ http://127.0.0.1:8000  (Ctrl+C pour arrêter)"
	DEBUG=1 DATABASE_URL=$(RUN_DATABASE_URL) $(BIN)/python manage.py runserver 127.0.0.1:8000

# Like production (README, "Déploiement"): DEBUG off, settings from the environment
# (SECRET_KEY required; DATABASE_URL, ALLOWED_HOSTS, MEDIA_ROOT…), static files collected
# (hashed, compressed) and served by WhiteNoise, gunicorn with workers from the CPU count
# (config/gunicorn.conf.py; WEB_CONCURRENCY, BIND override).
serve: system-deps $(STAMP)
	@test -n "$$SECRET_KEY" || (echo "SECRET_KEY manquant : export SECRET_KEY=… (voir README, « Déploiement »)"; exit 1)
	DEBUG=0 $(BIN)/python manage.py collectstatic --no-input -v 0
	DEBUG=0 $(BIN)/python manage.py migrate --no-input
	DEBUG=0 $(BIN)/gunicorn -c config/gunicorn.conf.py config.wsgi

# Background jobs (README, « Tâches en arrière-plan (Celery) »): with CELERY_BROKER_URL set
# (e.g. redis://127.0.0.1:6379/0), one worker and one beat (the daily reminder at 7:30).
# Without a broker the tasks run inside the web process: neither is needed.
worker: $(STAMP)
	@test -n "$$CELERY_BROKER_URL" || (echo "CELERY_BROKER_URL manquant : export CELERY_BROKER_URL=redis://127.0.0.1:6379/0 (sans file d'attente, les tâches s'exécutent dans le serveur web)"; exit 1)
	$(BIN)/celery -A config worker --loglevel=INFO

beat: $(STAMP)
	@test -n "$$CELERY_BROKER_URL" || (echo "CELERY_BROKER_URL manquant : export CELERY_BROKER_URL=redis://127.0.0.1:6379/0"; exit 1)
	$(BIN)/celery -A config beat --loglevel=INFO --schedule=$(CURDIR)/celerybeat-schedule

test: system-deps $(STAMP)
	@if [ -n "$$DATABASE_URL" ]; then echo "Tests sur $${DATABASE_URL%%://*}"; else echo "Tests sur SQLite (DATABASE_URL non défini) : les tests de concurrence PostgreSQL seront ignorés"; fi
	$(TEST_ENV) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Recompile the committed gettext catalogues after editing locale/*/LC_MESSAGES/django.po.
messages: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py makemessages -l fr -l en --no-obsolete --ignore=.venv --ignore=staticfiles
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv

# Page 1 of the demo's signed report as docs/report-page1.png (README, "Le rapport PDF").
DEMO_TMP := $(CURDIR)/.demo-png
demo-png: system-deps $(STAMP)
	rm -rf $(DEMO_TMP) && mkdir -p $(DEMO_TMP) docs
	cd $(CURDIR) && export DEBUG=1 DATABASE_URL=sqlite:///$(DEMO_TMP)/demo.sqlite3 MEDIA_ROOT=$(DEMO_TMP)/media; \
	$(BIN)/python manage.py migrate --no-input -v 0 && \
	$(BIN)/python manage.py demo_data >/dev/null && \
	number=$$($(BIN)/python manage.py shell -v 0 -c "from interventions.models import SignedReport; print(SignedReport.objects.get(intervention__status='signed').intervention.number)") && \
	$(BIN)/python manage.py report_pdf $$number -o $(DEMO_TMP)/report.pdf && \
	pdftoppm -png -r 80 -f 1 -l 1 -singlefile $(DEMO_TMP)/report.pdf docs/report-page1
	rm -rf $(DEMO_TMP)
	@echo "→ docs/report-page1.png"

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt 2>$(VENV)/pip.log \
		|| (cat $(VENV)/pip.log; exit 1)
	touch $@

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "Installation des paquets Debian :$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
		echo "Paquets Debian manquants (lancer en root ou : sudo apt-get install$$missing)"; \
	fi

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# Backup of the PostgreSQL database (pg_dump, custom format) and of MEDIA_ROOT into
# $(BACKUP_DIR)/<date-time>/; restore refuses a database or media folder holding data unless
# FORCE=1 (README, « Sauvegarde »).
.PHONY: backup restore
BACKUP_DIR ?= $(CURDIR)/backups
backup: $(STAMP)
	BACKUP_DIR=$(BACKUP_DIR) $(BIN)/python manage.py backup

restore: $(STAMP)
	@test -n "$(FROM)" || (echo "Usage : make restore FROM=$(BACKUP_DIR)/<date-heure> [FORCE=1]"; exit 2)
	$(BIN)/python manage.py restore "$(FROM)" $(if $(filter 1,$(FORCE)),--force,)
