"""``python -m pixm_desktop.cli``."""

import sys

from pixm_desktop.cli import main

sys.exit(main())
