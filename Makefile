# Two commands do all set-up on a fresh machine:
#   make ask Q="Why was Blinken's trip postponed?"   (virtualenv + index built on first use)
#   make test                                         (the whole test suite)
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
Q      ?= Why was Blinken's trip postponed?
export HF_HUB_OFFLINE = 1

.PHONY: ask test serve eval bench ingest clean install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# CPU torch from local disk first, so nothing pulls CUDA wheels
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[ui,eval,llm,test]'
	touch $(STAMP)

install: $(STAMP)

ask: $(STAMP)
	$(BIN)/ask "$(Q)"

ingest: $(STAMP)
	$(BIN)/assistant ingest

serve: $(STAMP)
	$(BIN)/assistant serve

eval: $(STAMP)
	$(BIN)/assistant eval --out eval/reports/latest

bench: $(STAMP)
	$(BIN)/python bench/bench_ask.py

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf .assistant test-output
