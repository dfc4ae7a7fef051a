# The two commands of README: `make run` and `make test`.
# With a local Odoo 19 (python3 -c "import odoo") they run here; otherwise, where
# Docker is installed, through docker compose and the official odoo:19 image.
PYTHON ?= python3
SIZE ?= S
HAVE_ODOO := $(shell $(PYTHON) -c "import odoo.release as r; print(r.version_info[0])" 2>/dev/null)
HAVE_DOCKER := $(shell docker info >/dev/null 2>&1 && docker compose version >/dev/null 2>&1 && echo yes)

.PHONY: run test test-host lint bench test-addon help pot po-merge po-missing

help:
	@echo "make run   - Odoo with the MES addons and demo data on http://localhost:8069"
	@echo "make test  - lint + every test (pure engine, Odoo tests, scenarios)"
	@echo "make lint  - pre-commit: ruff format/check, pylint-odoo"
	@echo "make bench SIZE=S|M|L - MRP benchmark"
	@echo "make test-addon ADDON=mes_costing - one addon's Odoo tests"
	@echo "make test-host - Odoo's own tests of the apps we extend, with and without our addons"
	@echo "make pot   - regenerate addons/*/i18n/<addon>.pot with Odoo's export"
	@echo "make po-merge [PO_LANG=zh_CN] - fold the new .pot into each <LANG>.po, keeping translations"
	@echo "make po-missing [PO_LANG=zh_CN] - list the entries left to translate"

run:
ifeq ($(HAVE_ODOO),19)
	$(PYTHON) tools/run_odoo.py
else ifeq ($(HAVE_DOCKER),yes)
	docker compose up --build odoo
else
	@$(PYTHON) tools/run_odoo.py
endif

test:
ifeq ($(HAVE_ODOO),19)
	$(PYTHON) tools/run_tests.py
else ifeq ($(HAVE_DOCKER),yes)
	docker compose run --rm --build test
else
	@$(PYTHON) tools/run_tests.py
endif

test-host:
	$(PYTHON) tools/run_host_tests.py

lint:
	$(PYTHON) -m pip install -q --disable-pip-version-check pre-commit ruff pylint-odoo
	pre-commit run --all-files --show-diff-on-failure

test-addon:
	$(PYTHON) tools/run_addon_tests.py $(ADDON)

bench:
	$(PYTHON) tests/benchmarks/bench_mrp.py --size $(SIZE)

# Translations (see CONTRIBUTING.md, "Translations"). MES_TEMPLATE_DB=<db with the
# host apps> makes `make pot` much faster.
PO_LANG ?= zh_CN
pot:
	$(PYTHON) tools/i18n.py export

po-merge:
	$(PYTHON) tools/i18n.py merge $(PO_LANG)

po-missing:
	$(PYTHON) tools/i18n.py missing $(PO_LANG)
