"""Files CaseReview ships: the prompts and the guidance corpus, as package data.

In a checkout, ``prompts`` and ``guidance_corpus`` here are links to the
top-level folders of the same names; a built wheel carries copies of them. Code
finds them only through :func:`shipped_path`, so an installed package works
from any working directory.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped_path(name: str) -> Path:
    """The folder ``name`` ('prompts' or 'guidance_corpus') as installed with the package."""
    path = Path(str(files("assistant.shipped").joinpath(name))).resolve()
    if not path.is_dir():
        raise FileNotFoundError(f"the installed casereview package has no {name}/ folder at {path}: reinstall it")
    return path
