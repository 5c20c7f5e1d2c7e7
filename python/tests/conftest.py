"""Shared fixtures: the repository root and the `lodestone` command to compare against."""

import os
import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli() -> str:
    """The CLI binary: $LODESTONE_BIN, else the workspace's build (release, then debug),
    else `lodestone` on PATH. The tests compare the package with it, so it must exist."""
    candidates = [os.environ.get("LODESTONE_BIN")]
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    candidates += [str(target / p / "lodestone") for p in ("release", "debug")]
    candidates.append(shutil.which("lodestone"))
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    pytest.fail("no `lodestone` binary: build it (cargo build --release) or set LODESTONE_BIN")
