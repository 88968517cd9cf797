"""Stage 3, choices: what clinics chose (locked clusters, groups, pairs kept apart,
clinics closing, proposals) and planning around them, including re-planning from a
current plan with least change."""
