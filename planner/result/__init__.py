"""Stage 6, result: the one frozen :class:`PlanResult` and its assembly."""
