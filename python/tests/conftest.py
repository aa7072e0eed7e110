import json
import os
import pathlib

import pytest

SOURCE = pathlib.Path(os.environ.get("NAIS_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
CLI = SOURCE / "tests" / "cli"


def load_spec(name):
    return json.loads((CLI / name).read_text())


@pytest.fixture
def cli_dir():
    return CLI
