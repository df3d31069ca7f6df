# gapscore: two commands on a fresh machine.
#   make demo   set up, then score the bundled sectors and write the memo
#   make test   set up, then run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench setup clean wheel

setup: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/gapscore data validate
	@echo "== Stage-timing scores as of today (gapscore score) =="
	@$(BIN)/gapscore score
	@mkdir -p out
	@top=$$($(BIN)/gapscore score --format csv | sed -n 2p | cut -d, -f1); \
	  path=$$($(BIN)/gapscore memo $$top -o out/$$top-memo.xlsx --force) && \
	  echo && echo "Memo for the top-ranked sector ($$top): $$path"

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

wheel:
	$(BIN)/python -m pip wheel --no-deps -w dist .

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
