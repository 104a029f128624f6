"""`python -m hemisec` runs the command line."""

from hemisec.cli import main

main()
