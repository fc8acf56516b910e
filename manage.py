#!/usr/bin/env python
"""Django's manage.py; the installed ``chiiki`` command does the same."""

from chiiki.cli import main

if __name__ == "__main__":
    main()
