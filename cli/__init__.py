"""Thin click commands wiring the scoring and matcher packages together."""
