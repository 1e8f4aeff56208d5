"""Tooling around the platform: the `kefu` command, the demo, embedded servers, local fakes.

A service process never imports this package (an import contract checks it).
"""
