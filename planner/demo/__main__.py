"""``python -m planner.demo``: regenerate the demo region's files."""

from planner.demo.region import main

if __name__ == "__main__":
    main()
