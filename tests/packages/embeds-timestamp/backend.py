"""A backend whose wheel embeds the build time and random bytes: never the same twice.

Its module carries ``BUILT_AT`` (the sample backend's build time) and ``SALT``
(fresh random bytes), so two builds of the same sdist differ in that member
and in the RECORD that hashes it.
"""

import os

os.environ["SAMPLE_NONDETERMINISTIC"] = "1"
os.environ["SAMPLE_IMPORT_CODE"] = f"SALT = {os.urandom(16).hex()!r}"

from sample_backend import build_wheel, get_requires_for_build_wheel  # noqa: E402, F401
