"""``python -m planner.demo``: regenerate the demo region's files."""

from planner.demo.region import main

main()
