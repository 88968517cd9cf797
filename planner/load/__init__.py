"""Stage 1, load: read clinic tables, patient lists and side files into one validated
table of units in a metric CRS, every problem reported at once."""
