"""Runnable benchmarks. `make bench` runs every `*_bench.py` module's `main()`;
each writes its results to benchmarks/results/<name>.md."""
