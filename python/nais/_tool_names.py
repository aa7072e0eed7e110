"""The command-line tools the Python package carries (setup.py builds them into nais/bin;
pyproject.toml's [project.scripts] names one console script per entry)."""
TOOLS = ("nais-eval", "nais-net", "nais-sweep", "nais-hotnas", "nais-bundle", "nais-map", "nais-fit")
