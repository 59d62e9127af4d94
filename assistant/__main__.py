"""`python -m assistant …` runs the `assistant` command (handy from a checkout on PYTHONPATH)."""

from assistant.cli import main

if __name__ == "__main__":  # not when a spawned worker process re-imports this module
    main()
