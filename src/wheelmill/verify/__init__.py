"""wheelmill.verify."""
