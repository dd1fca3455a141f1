"""``python -m fsclust``: the command line (see `fsclust.cli`)."""

from fsclust.cli import main

raise SystemExit(main())
