"""Checks: every rule a submission is validated against (structure, consistency,
plausibility, mapping), and `validate`, which runs them all."""
