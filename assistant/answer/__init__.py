"""Answers to questions: extractive by default, generated when a model is configured; every citation verified."""
