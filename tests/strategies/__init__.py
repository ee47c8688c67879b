"""Hypothesis strategies, one module per domain (as ``daffidwilde/matching`` keeps them).

Property tests import what they need from here, so that a strategy that forces an engine's
path or a cohort's quirk is written once and shared.
"""
