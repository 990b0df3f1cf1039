# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint migrate demo check clean

$(INSTALLED): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(INSTALLED)

setup: $(INSTALLED)

migrate: setup
	$(PY) manage.py migrate --noinput

# Demo logins every time; 50 demo members with activity only into a database without any.
demo: migrate
	$(PY) manage.py seed_demo
	@if $(PY) manage.py shell -c "from activity.models import ActivityPeriod as P; \
	raise SystemExit(P.objects.filter(session=None).exists())" >/dev/null 2>&1; \
	then $(PY) manage.py populate 50 --seed 1; \
	else echo "Demo members are there already (manage.py populate N adds more)."; fi

run: demo
	@echo "Serving on http://$(HOST):$(PORT)/  (API: /api/v1/, browsable login: /api-auth/login/, admin: /admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# pytest exits 5 when it collected no tests: that is a failure here, never a pass.
test: setup
	@$(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

# Real-browser tests (e2e/, not in `make test`): Debian's chromium, installed when missing,
# driven by Playwright against servers the tests start on 127.0.0.1 (one file through
# nginx with TLS, also installed when missing).
.PHONY: e2e
e2e: setup nginx
	@$(PY) -c "import playwright" 2>/dev/null || $(PY) -m pip install --quiet -r requirements.txt
	$(APT_INSTALL) /usr/bin/chromium chromium fonts-liberation
	@$(PY) -m pytest e2e -m e2e $(E2E_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no e2e tests" >&2; exit 1; fi; \
	exit $$status

# schemathesis against the live OpenAPI schema (fuzz/, not in `make test`): no 5xx, every
# answer in its documented schema. FUZZ_EXAMPLES per operation (default 50);
# FUZZ_DATABASE_URL=postgres://... runs the server on PostgreSQL instead of SQLite.
.PHONY: fuzz
fuzz: setup
	@$(PY) -m pytest fuzz -m fuzz $(FUZZ_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no fuzz tests" >&2; exit 1; fi; \
	exit $$status

# The Postman collection (docs/postman/) run by newman against gunicorn on a fresh
# PostgreSQL database with the demo logins (serving/postman.py). newman is pinned in
# package.json + package-lock.json; Debian's nodejs and npm are installed when missing.
# POSTMAN_DATABASE_URL / POSTMAN_REDIS_URL point it at other servers.
.PHONY: postman
postman: setup node_modules/.bin/newman
	$(PY) serving/postman.py

node_modules/.bin/newman: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm)
	npm ci --no-audit --no-fund
	touch $@

# ruff (config in pyproject.toml): lint, then formatting; any finding of either fails.
lint: setup
	@status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	$(VENV)/bin/ruff format --check . || status=1; \
	exit $$status

check: setup
	$(PY) manage.py check

clean:
	rm -rf $(VENV) db.sqlite3* .test-db* staticfiles

# Debian packages installed when missing, by one script: deploy/apt-install-missing.sh.
APT_INSTALL := bash deploy/apt-install-missing.sh

# The production topology on this machine (README, Deployment): nginx with TLS on
# 127.0.0.1:PORT (default 8443; HTTP_PORT, default 8080, redirects), the sign-in pool,
# the API pool and the task worker, PostgreSQL, Redis, DEBUG off. Ctrl-C stops all.
# `serve-http`: today's plain gunicorn on $(HOST):$(PORT), no nginx.
.PHONY: serve serve-http nginx bench bench-storm soak soak-short
SERVE_PORT := $(if $(filter command line environment,$(origin PORT)),$(PORT),8443)
serve: setup nginx
	PORT=$(SERVE_PORT) $(PY) serving/serve.py

serve-http: setup
	GUNICORN_BIND=$(HOST):$(PORT) $(PY) serving/serve.py --http

nginx:
	$(APT_INSTALL) /usr/sbin/nginx nginx

# gunicorn (2 sync workers) on a fresh PostgreSQL database, wrk as the load generator;
# then the login storm through nginx (bench-storm).
bench: setup
	$(PY) bench/auth_bench.py $(BENCH_ARGS)
	$(MAKE) --no-print-directory bench-storm

# /me/ p99 alone and while 10 clients log in continuously, through nginx in front of
# the sign-in and API pools (fresh PostgreSQL database). README, "Sign-in bulkhead".
bench-storm: setup nginx
	$(PY) bench/storm_bench.py $(BENCH_STORM_ARGS)

# 200 users on several devices for 5 minutes (soak-short: 30 s), then consistency checks.
soak: setup
	$(PY) -m bench.soak $(SOAK_ARGS)

soak-short: setup
	$(PY) -m bench.soak --seconds 30 $(SOAK_ARGS)

# `populate` for 10,000 and 100,000 members on SQLite and PostgreSQL (fresh databases),
# and the members page at 100,000 members. Figures in the README, "Demo data".
.PHONY: bench-populate
bench-populate: setup
	$(PY) bench/populate_bench.py $(BENCH_POPULATE_ARGS)

# 1,000,000 messages among 10,000 members (fresh PostgreSQL database), gunicorn, and a
# member's page of 20 sent / received messages with its count, over HTTP. README, "Messages".
.PHONY: bench-messages
bench-messages: setup
	$(PY) bench/messages_bench.py $(BENCH_MESSAGES_ARGS)

# Fault tests (chaos/, not in `make test`): their own PostgreSQL and Redis on spare ports,
# gunicorn with 4 workers, under load: the database stopped and frozen, Redis stopped
# and frozen, workers killed with -9. Each prints its figures (README, "Failure
# behaviour").
.PHONY: chaos
chaos: setup
	@$(PY) -m pytest chaos -s $(CHAOS_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no chaos tests" >&2; exit 1; fi; \
	exit $$status

# Debian's pgbouncer for the transaction-pooling test in serving/, installed when missing
# (as `make e2e` does for chromium).
.PHONY: pgbouncer
pgbouncer:
	$(APT_INSTALL) /usr/sbin/pgbouncer pgbouncer

# end_expired_sessions on 100,000 expired sessions, purge_sessions on 100,000 and
# 1,000,000 ended ones (fresh PostgreSQL databases), under /usr/bin/time -v. README,
# "Maintenance".
.PHONY: bench-maintenance
bench-maintenance: setup
	$(PY) bench/maintenance_bench.py $(BENCH_MAINTENANCE_ARGS)

# The staff search over 1,000,000 security events (fresh PostgreSQL database, gunicorn):
# one member's events, one address's, one kind within one day; page of 50 with its
# count, over HTTP. README, "Staff search".
.PHONY: bench-search
bench-search: setup
	$(PY) bench/search_bench.py $(BENCH_SEARCH_ARGS)
