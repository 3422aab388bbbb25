"""`python -m gateway` runs the returns-gateway command."""

import sys

from gateway.cli import main

if __name__ == "__main__":  # not when a worker process imports this module
    sys.exit(main())
