"""A backend that forgot to declare its build requirement: only an override saves it."""

import sample_build_helper
from sample_backend import build_wheel, get_requires_for_build_wheel

if getattr(sample_build_helper, "BROKEN", False):
    raise ImportError("sample-build-helper 2.x is not supported; constrain it to <2")
