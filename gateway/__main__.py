"""`python -m gateway` runs the returns-gateway command."""

import sys

from gateway.cli import main

sys.exit(main())
