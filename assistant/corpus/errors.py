"""Errors a user can act on: each names the file, what is wrong and what to do."""

from __future__ import annotations


class LoadError(ValueError):
    """A file could not be read as a document."""

    def __init__(self, name: str, problem: str, fix: str = "") -> None:
        self.name = name
        self.problem = problem
        self.fix = fix
        super().__init__(f"{name}: {problem}" + (f" ({fix})" if fix else ""))


class TooLarge(LoadError):
    """A file holds more text than the limit it was read under (the caller may name its own setting in the fix)."""
