"""Stage 5, evaluate: the predicates every plan is judged by (coverage, size,
contiguity), the bounds, compactness, explanations and per-cluster figures, and the
comparison of two plans."""
