"""`python -m crosswire`: the same command as the `crosswire` console script."""

from crosswire.cli import main

main()
