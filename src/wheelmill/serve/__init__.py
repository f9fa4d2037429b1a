"""wheelmill.serve."""
