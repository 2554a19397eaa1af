"""``python -m pixm_desktop.cli`` and the frozen ``pixm`` executable."""

import multiprocessing
import sys

from pixm_desktop.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # job children are spawned: a frozen bundle must start them as such
    sys.exit(main())
