"""``python -m wheelmill``."""

from __future__ import annotations

from wheelmill.cli import main

if __name__ == "__main__":
    main()
