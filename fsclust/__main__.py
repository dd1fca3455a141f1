"""``python -m fsclust``: the command line (see `fsclust.cli`)."""

import sys

try:
    from fsclust.cli import run
except KeyboardInterrupt:            # Ctrl-C while starting: one line, no traceback
    sys.stderr.write("fsclust: error: interrupted\n")
    raise SystemExit(130) from None

run()
