"""Benchmark harness for Peer Assist Live: `make bench`, `make bench-quick`."""
