"""The built package ships code and its data files, never a key or a database."""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("secret_key", "encryption_key", "*.sqlite3", "*.sqlite3-*", "*.db")


def forbidden(name: str) -> bool:
    return any(fnmatch.fnmatch(Path(name).name, pattern) for pattern in FORBIDDEN)


def test_the_source_tree_holds_no_key_or_database():
    found = [str(p.relative_to(ROOT)) for p in (ROOT / "src").rglob("*") if forbidden(p.name)]
    assert found == []


def test_package_data_globs_sweep_in_no_key_or_database():
    """What setuptools would pick up under each package for every package-data glob."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = [g for patterns in config["tool"]["setuptools"]["package-data"].values()
             for g in patterns]
    packages = [p.parent for p in (ROOT / "src").rglob("__init__.py")]
    swept = [str(path.relative_to(ROOT)) for package in packages for g in globs
             for path in package.glob(g) if path.is_file() and forbidden(path.name)]
    assert swept == []


def test_the_built_wheel_holds_no_key_or_database(tmp_path):
    # Built from a copy: an in-tree build/ folder could hold files from an older build.
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "src", tree / "src", ignore=shutil.ignore_patterns(
        "__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tree / name)
    # Planted where a data folder under the package used to put them.
    planted = tree / "src" / "smmdesk" / "core" / "data"
    (planted / "secret_key").write_text("x")
    (planted / "smmdesk.sqlite3").write_bytes(b"")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "--disable-pip-version-check", "-w", str(tmp_path / "dist"), str(tree)],
                   check=True, capture_output=True, timeout=300)
    wheel = next((tmp_path / "dist").glob("smmdesk-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "smmdesk/settings.py" in names and "smmdesk/nlp/data/labelled_en.jsonl" in names
    assert [n for n in names if forbidden(n)] == []
