"""`python -m conformance`: the `conformance` command."""

import sys

from conformance.launch import main

sys.exit(main())
