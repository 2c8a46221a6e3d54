#!/usr/bin/env python3
"""Build the SMTP reply code reference site: ``python build.py --help``."""

import sys
from pathlib import Path

from sitegen.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], Path(__file__).resolve().parent))
