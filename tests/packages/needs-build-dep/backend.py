"""A backend that can only run once its build requirement has been installed."""

import sample_build_helper  # noqa: F401  (provided by the build requirement)
from sample_backend import build_wheel, get_requires_for_build_wheel  # noqa: F401
