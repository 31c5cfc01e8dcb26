"""``python -m kibaru`` is the ``kibaru`` command."""

from kibaru.cli import main

main()
