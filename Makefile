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
	@pick=$$($(BIN)/gapscore score --rank-by early --format csv | sed -n 2p); \
	  sector=$$(echo "$$pick" | cut -d, -f1); \
	  stage=$$(echo "$$pick" | awk -F, '{print $$NF}'); \
	  value=$$(echo "$$pick" | awk -F, '{printf "%.1f", $$(NF-1)}'); \
	  rec=$$(echo "$$pick" | cut -d, -f7); \
	  path=$$($(BIN)/gapscore memo $$sector -o out/$$sector-memo.xlsx --force 2>/dev/null) && \
	  echo && echo "== Memo of the strongest early-stage case today: $$sector ==" && \
	  echo "Chosen because its $$stage score ($$value) is the highest seed or Series A score resting on measured" && \
	  echo "evidence, among sectors the model does not already call harvest (its recommendation: $$rec);" && \
	  echo "'gapscore score --rank-by early' ranks every sector this way." && \
	  echo "Written to $$(cd $$(dirname $$path) && pwd)/$$(basename $$path)" && \
	  echo "Open it with Excel or LibreOffice: libreoffice --calc $$path  (macOS: open $$path)"

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

wheel:
	$(BIN)/python -m pip wheel --no-deps -w dist .

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
