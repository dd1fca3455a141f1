"""``python -m fsclust``: the command line (see `fsclust.cli`)."""

from .cli import main

raise SystemExit(main())
