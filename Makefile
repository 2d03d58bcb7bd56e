# Two commands for a fresh machine: `make demo` (build and grade the demo class) and
# `make test` (the test suite). Both create the virtual environment .venv when it is missing.
VENV := .venv
PY := $(VENV)/bin/python
SCRATCH := $(CURDIR)/.jupyter-scratch

export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONPATH := $(CURDIR)
export JUPYTER_CONFIG_DIR := $(SCRATCH)/config
export JUPYTER_DATA_DIR := $(SCRATCH)/data
export JUPYTER_RUNTIME_DIR := $(SCRATCH)/runtime
export IPYTHONDIR := $(SCRATCH)/ipython
export MPLCONFIGDIR := $(SCRATCH)/matplotlib

.PHONY: demo test build lab grade watch similarity check clean-demo

# Installs go through uv (fetched by pip into the venv): the same pinned versions as pip
# would take, in a fraction of the time. Bytecode is compiled at install time, as pip does:
# a jailed kernel sees the venv read-only and would otherwise compile every module it imports.
# Where uv cannot be had, pip installs instead (at -qq it prints errors only, not setuptools'
# notes about editable installs).
PIP := $(PY) -m pip --disable-pip-version-check --quiet --quiet
INSTALL = if [ -x $(VENV)/bin/uv ]; then $(VENV)/bin/uv pip install --quiet --compile-bytecode \
	--python $(PY) $(1); \
	else $(PIP) install $(1); fi

INSTRUCTOR_TOOLS := -e ".[instructor]"
EVERYTHING := -e ".[instructor,test,cluster,browser,lms]"

$(PY):
	@echo "creating $(VENV) (once)"
	@python3 -m venv $(VENV)
	@$(PIP) install uv || echo "uv unavailable: installing with pip"

# The demo needs the instructor's tools only; the tests need every extra.
$(VENV)/.instructor: pyproject.toml | $(PY)
	@echo "installing the instructor's tools into $(VENV)"
	@$(call INSTALL,$(INSTRUCTOR_TOOLS))
	@touch $@

$(VENV)/.installed: pyproject.toml | $(PY)
	@$(call INSTALL,$(EVERYTHING))
	touch $@ $(VENV)/.instructor

# The scratch folders exist before IPython or matplotlib looks for them.
demo: $(VENV)/.instructor
	@mkdir -p $(JUPYTER_CONFIG_DIR) $(JUPYTER_DATA_DIR) $(JUPYTER_RUNTIME_DIR) $(IPYTHONDIR) \
		$(MPLCONFIGDIR)
	@$(PY) -m autograder.apps.demo

test: $(VENV)/.installed
	$(PY) -m pytest -q

build: $(VENV)/.installed
	$(PY) -m autograder.apps.build

# Grade every submission in submitted/ (A=<assignment id> for one assignment).
grade: $(VENV)/.installed
	$(PY) -m autograder.classgrade $(A)

# Grade on submit: watch the exchange (or submitted/), grade each new submission, release its
# feedback (A=<assignment id> for one assignment, ONCE=1 to grade what is waiting and exit).
watch: $(VENV)/.installed
	@mkdir -p $(JUPYTER_CONFIG_DIR) $(JUPYTER_DATA_DIR) $(JUPYTER_RUNTIME_DIR) $(IPYTHONDIR) \
		$(MPLCONFIGDIR)
	$(PY) -m autograder.apps.watch $(if $(ONCE),--once) $(A)

# Which students handed in the same answers (A=<assignment id>): reports/<id>/similarity/
similarity: $(VENV)/.instructor
	$(PY) -m autograder.similarity $(A)

# Check your own copy of a notebook against the hidden checks: make check NB=path/to/nb.ipynb
check: $(VENV)/.installed
	$(PY) -m autograder.selfcheck "$(NB)"

lab: $(VENV)/.installed
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=$(CURDIR)

clean-demo:
	rm -rf submitted autograded feedback gradebook.db grades.csv
