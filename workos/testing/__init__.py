"""Helpers for the test suite and the benchmarks: a throwaway PostgreSQL cluster, a served WorkOS."""
