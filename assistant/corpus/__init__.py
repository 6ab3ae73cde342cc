"""Guidance documents in: loading, clutter removal, structure, chunks."""
