"""Core values every stage shares: rules, errors, the contiguity graph, sizes, reasons,
the two languages, the request and its TOML form.

Nothing here imports a later stage (load, geography, choices, solve, evaluate, result,
output, render, cli).
"""
