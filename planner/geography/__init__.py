"""Stage 2, geography: who may share a cluster with whom (territories, the contiguity
graph, links across water, administrative areas and planning units)."""
