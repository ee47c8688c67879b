"""Solver, mentor networks, rematch, meeting plans and run-folder outputs."""
