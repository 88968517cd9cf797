"""Stage 7, output: the files of a plan folder (written atomically, read back for
render and diff) and the printable HTML report."""
