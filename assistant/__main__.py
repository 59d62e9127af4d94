"""`python -m assistant …` runs the `assistant` command (handy from a checkout on PYTHONPATH)."""

from assistant.cli import main

main()
