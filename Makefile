# gans-edu: the commands a newcomer can guess.
#   make test    the whole test suite (unit tests + every notebook, smoke profile)
#   make book    build the Jupyter Book, executing every chapter (PROFILE=cpu by default here)
#   make lint    ruff, and actionlint on .github/workflows
#   make bench   chapter experiments through the command line, timed
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PROFILE ?= $(shell $(PYTHON) -c "import os,importlib.util as u;p=os.environ.get('GANS_EDU_PROFILE');print(p or ('gpu' if u.find_spec('torch') and __import__('torch').cuda.is_available() else 'cpu'))" 2>/dev/null || echo cpu)

.PHONY: mathjax book-check install test test-unit test-notebooks book lint sync-notebooks classifier printed-classifier domain-classifier references bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

test: install
	GANS_EDU_PROFILE=smoke $(PY) -m pytest -q --nbval

test-unit: install
	GANS_EDU_PROFILE=smoke $(PY) -m pytest -q tests

test-notebooks: install
	GANS_EDU_PROFILE=smoke $(PY) -m pytest -q --nbval-lax book

# Each profile keeps its own build folder and execution cache, so the cache never
# serves outputs made under another profile.
book: install
	$(PY) tools/book_config.py $(PROFILE)
	GANS_EDU_PROFILE=$(PROFILE) TQDM_DISABLE=1 $(VENV)/bin/jupyter-book build . --config _build/$(PROFILE)/_config.yml \
	    --path-output _build/$(PROFILE) -W --keep-going
	@echo "book: _build/$(PROFILE)/_build/html/index.html (profile $(PROFILE))"

# The built book in headless Chromium (apt-get install chromium chromium-driver): every page loads, formulas
# typeset, images load, nothing wider than the column; screenshots in _build/$(PROFILE)/screens/.
book-check: install
	$(PY) tools/book_check.py --profile $(PROFILE)

# A local MathJax (npm), so the built book reads offline; `make book` uses it when it is there.
mathjax:
	npm install --prefix _build/vendor --no-save --no-package-lock mathjax@3

lint: install
	$(VENV)/bin/ruff check gans_edu tests tools
	$(VENV)/bin/actionlint

sync-notebooks: install
	$(VENV)/bin/jupytext --sync book/*.ipynb

classifier: install
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m gans_edu.metrics.train_classifier

printed-classifier: install
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m gans_edu.metrics.printed_classifier

domain-classifier: install
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m gans_edu.metrics.domain_classifier

# Retrain every chapter's reference run from its recipe (resumable; hours on a 2-core CPU, minutes on a GPU).
references: install
	$(VENV)/bin/gans-edu reference train --all

bench: install
	$(PY) tools/bench.py

clean:
	rm -rf _build runs
