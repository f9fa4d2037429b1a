"""wheelmill.lockfile."""
