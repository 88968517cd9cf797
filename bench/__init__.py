"""Benchmark: the planner against spopt and pygeoda on the same instances."""
