# smmdesk — two commands: `make run` (the app) and `make test` (the suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/smmdesk
BSKY := tests/live/bluesky
BSKY_STAMP := $(BSKY)/node_modules/.installed-$(shell cksum < $(BSKY)/package-lock.json | cut -d' ' -f1)

.PHONY: install run test chromium live-deps lint messages pdf-deps

install: $(STAMP) pdf-deps

# PDF reports are drawn by WeasyPrint, which needs Pango from the system.
pdf-deps:
	@if ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "== installing Pango for PDF reports =="; \
			(apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null)); \
		else \
			echo "== no Pango: PDF reports need it (sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0) =="; \
		fi; \
	fi

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "smmdesk needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade "pip==26.3"
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

run: install
	$(BIN)/smmdesk run

# Browser tests drive Debian's Chromium (never a downloaded browser).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "== installing Debian's chromium for the browser tests =="; \
			(apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)); \
		else \
			echo "== no /usr/bin/chromium: browser tests will be skipped (sudo apt-get install chromium) =="; \
		fi; \
	fi

# The live tests run a real local Bluesky network (PLC + PDS + AppView) from npm.
live-deps: $(BSKY_STAMP)

$(BSKY_STAMP): $(BSKY)/package-lock.json
	@if command -v npm >/dev/null; then \
		echo "== installing the local Bluesky network for the live tests (npm, a few minutes the first time) =="; \
		npm ci --prefix $(BSKY) --no-audit --no-fund --loglevel=error && \
		npm rebuild better-sqlite3 --prefix $(BSKY) --loglevel=error && touch $@; \
	else \
		echo "== no npm: the live Bluesky tests will be skipped (CI runs them) =="; \
	fi

test: install chromium live-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest
	@if [ -n "$$CI" ] || $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_TEST_URL)', connect_timeout=2).close()" 2>/dev/null; then \
		echo "== the same suite on PostgreSQL ($(PG_TEST_URL)) =="; \
		SMMDESK_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest; \
	else \
		echo "== PostgreSQL not reachable at $(PG_TEST_URL): skipped the PostgreSQL run (CI runs it) =="; \
	fi

lint: install
	$(BIN)/ruff check src tests bench

# The commands run inside the package, so the data folder is named explicitly: a key or
# database written under src/ would be committed and shipped in the wheel.
messages: install
	cd src/smmdesk && SMMDESK_DATA_DIR=$(CURDIR)/data ../../$(BIN)/smmdesk makemessages -l ru -l uk -l be -l en --no-location --no-obsolete -i "migrations/*"
	cd src/smmdesk && SMMDESK_DATA_DIR=$(CURDIR)/data ../../$(BIN)/smmdesk compilemessages
