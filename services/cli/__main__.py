"""``python -m services.cli``: the ``complaints`` command."""

import sys

from services.cli.main import main

sys.exit(main())
