"""Benchmark and load rig: ``make bench`` (bench/run.py) and ``make load`` (bench/load.py)."""
