"""Benchmarks and the data generator (issue #9): see bench/README.md."""
