"""``python -m toolkit.cli``: the ``ctk`` command without its console script."""

from toolkit.cli import main

main()
