# The two commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MEDIAPIPE := mediapipe==0.10.14

.PHONY: run test install migrate lint clean frontend chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# The pose model ships inside this wheel; its declared deps (jax, opencv-contrib) are not needed.
	$(BIN)/pip install --quiet --no-deps $(MEDIAPIPE)
	touch $(STAMP)

install: $(STAMP)

# The web dashboard (frontend/): npm ci when the lock file changed, vite build when a source did.
FRONTEND_DEPS := frontend/node_modules/.package-lock.json
FRONTEND_BUILT := frontend/dist/index.html
FRONTEND_SOURCES := $(shell find frontend/src -type f) $(addprefix frontend/,index.html vite.config.ts tsconfig.json package.json)

$(FRONTEND_DEPS): frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

$(FRONTEND_BUILT): $(FRONTEND_DEPS) $(FRONTEND_SOURCES)
	cd frontend && npm run build

frontend: $(FRONTEND_BUILT)

# The TypeScript API client tools tests/clients/ runs (openapi-typescript, openapi-fetch, tsc).
CLIENT_TEST_DEPS := tests/clients/node_modules/.package-lock.json

$(CLIENT_TEST_DEPS): tests/clients/package-lock.json
	cd tests/clients && npm ci --no-audit --no-fund
	touch $@

# The browser tests drive Debian's Chromium (Playwright never downloads a browser).
chromium:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate frontend
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  coach is starting on http://127.0.0.1:8000  (API docs: http://127.0.0.1:8000/api/docs/)"
	@echo "  Ctrl-C stops the web server and the worker."
	@echo ""
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

test: install frontend chromium $(CLIENT_TEST_DEPS)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var
