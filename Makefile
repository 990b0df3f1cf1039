# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test migrate demo check clean

$(INSTALLED): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(INSTALLED)

setup: $(INSTALLED)

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	@echo "Serving on http://$(HOST):$(PORT)/  (API: /api/v1/, browsable login: /api-auth/login/, admin: /admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# pytest exits 5 when it collected no tests: that is a failure here, never a pass.
test: setup
	@$(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

check: setup
	$(PY) manage.py check

clean:
	rm -rf $(VENV) db.sqlite3* .test-db.sqlite3* staticfiles
