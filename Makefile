# Every target goes through tasks.py, which builds .venv from a bare Python when it is missing.
# Students without make run the same thing as `python tasks.py <target>`.
PYTHON ?= python3

.PHONY: lab test notebooks figures bench lint lock

lab:
	$(PYTHON) tasks.py lab

test:
	$(PYTHON) tasks.py test

notebooks:
	$(PYTHON) tasks.py notebooks

figures:
	$(PYTHON) tasks.py figures

bench:
	$(PYTHON) tasks.py bench

lint:
	$(PYTHON) tasks.py lint

# Re-resolve constraints.txt after editing pyproject.toml; `make lock ARGS=--upgrade` upgrades all.
lock:
	$(PYTHON) tasks.py lock $(ARGS)
