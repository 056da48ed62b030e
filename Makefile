# One command runs every check; CI (.ci/run) runs the same one.
.PHONY: check lint types test format bench

check: lint types test

lint:
	ruff check .
	ruff format --check .
	lint-imports

types:
	mypy

test:
	python -m pytest -q -n 4 --dist worksteal

format:
	ruff format .
	ruff check --fix .

bench:
	python -m bench
