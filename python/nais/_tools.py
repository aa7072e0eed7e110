"""The console scripts nais-eval, nais-net, nais-sweep, ... of a pip-installed nais: each runs
the tool of the same name that setup.py built into nais/bin (the same program as the CMake
build's tools/, so the same options, outputs and exit codes)."""
import os
import pathlib
import sys

from ._tool_names import TOOLS

# the installed tools; NAIS_TOOLS_DIR points at a CMake build's tools/ instead (the build tree's tests)
BIN = pathlib.Path(os.environ.get("NAIS_TOOLS_DIR") or pathlib.Path(__file__).resolve().parent / "bin")


def run(name, argv=None):
    """Replaces this process with the tool `name` (exit code and output are the tool's)."""
    if name not in TOOLS:
        raise ValueError(f"{name}: not one of nais's tools {', '.join(TOOLS)}")
    exe = BIN / name
    if not exe.is_file():
        sys.stderr.write(f"{name}: {exe} is missing: this nais was not installed with its tools (pip install .)\n")
        sys.exit(2)
    os.execv(str(exe), [name] + list(sys.argv[1:] if argv is None else argv))


def _main(name):
    def main():
        run(name)

    main.__name__ = name.replace("-", "_")
    return main


# one entry point per tool: nais_eval, nais_net, ... (pyproject.toml's [project.scripts])
globals().update({name.replace("-", "_"): _main(name) for name in TOOLS})
