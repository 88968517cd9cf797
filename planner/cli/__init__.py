"""Stage 8, the command line: parses flags and configuration into a request and
prints; the library does the work."""

from planner.cli.app import app, main

__all__ = ["app", "main"]
