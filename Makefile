# One entry point for the course. `make help` lists the targets.
PYTHON ?= python3
PYTHON_MIN := 3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# pip installs with --no-compile: Python compiles each module the first time it is imported, so only the
# modules the course uses get compiled (half of the install time otherwise). An empty PYTHONDONTWRITEBYTECODE
# lets it keep those compiled files, so later imports are fast even where the variable is set globally.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: help setup course test lab prefetch

help:
	@echo "make course    install everything, then run every lesson headless and print a results table"
	@echo "make test      install everything, then run the unit tests and every lesson in the ci profile"
	@echo "make lab       open JupyterLab on the lessons"
	@echo "make prefetch  cache every Hub model and dataset the profiles use (for offline classrooms)"
	@echo "make setup     only install: virtualenv, pinned requirements, bundled model (converted once)"

$(STAMP): requirements.txt requirements-nodeps.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < tuple(map(int, "$(PYTHON_MIN)".split("."))))' 2>/dev/null || { \
	  echo "error: the course needs Python $(PYTHON_MIN) or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo missing)."; \
	  echo "Install Python $(PYTHON_MIN)+ and run: make PYTHON=python$(PYTHON_MIN) $(MAKECMDGOALS)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-compile -r requirements.txt
	$(PY) -m pip install --quiet --no-compile --no-deps -r requirements-nodeps.txt
	touch $(STAMP)

setup: $(STAMP)
	$(PY) -m utils.models prepare

course: setup
	$(PY) -m utils.course

# Unit tests first: a failure there stops the run before any notebook starts.
# Then every lesson, in a fresh temporary runs folder (conftest.py), with this venv's interpreter.
test: setup
	COURSE_PROFILE=ci $(PY) -m pytest tests -x
	COURSE_PROFILE=ci $(PY) -m pytest lessons

lab: setup
	$(VENV)/bin/jupyter lab lessons/

prefetch: setup
	$(PY) -m utils.models prefetch
