# Two commands on a fresh machine: `make run` (set up, index the sample library, serve on
# http://127.0.0.1:8000) and `make test` (set up, lint, run the whole test suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test index bench lint clean browser-deps

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "coopsearch needs Python 3.11 or newer (found $$($(PYTHON) --version))"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { echo "could not create $(VENV): on Debian, apt-get install python3-venv"; exit 1; }
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $@

index: $(STAMP)
	$(BIN)/coopsearch index corpus

run: index
	$(BIN)/coopsearch serve

lint: $(STAMP)
	$(BIN)/ruff check .

# The browser tests drive Debian's Chromium with Playwright and check pages with axe-core.
browser-deps:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@[ -f tests/browser/node_modules/axe-core/axe.min.js ] || \
	  (cd tests/browser && npm ci --no-audit --no-fund --silent)

test: lint browser-deps
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) var artifacts tests/browser/node_modules
