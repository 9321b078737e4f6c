"""Smoke tests of the scripts in bench/: each runs briefly, as a person would, and its printed figures are read."""
