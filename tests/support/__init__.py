"""Helpers the tests (and benchmarks) share: servers, fresh databases, in-process services."""
