"""Allow ``python -m lifecycle``."""

import sys

from lifecycle.cli import main

if __name__ == "__main__":  # pragma: no branch - imported only to run
    sys.exit(main())
