"""A backend that asks for its build requirement only when the build starts.

``get_requires_for_build_wheel`` names ``sample-build-helper`` (declared
nowhere static), so the frontend installs it between the hooks.
"""

from sample_backend import build_wheel as _build_wheel


def get_requires_for_build_wheel(config_settings=None):
    return ["sample-build-helper"]


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    import sample_build_helper  # noqa: F401  (installed by the frontend)

    return _build_wheel(wheel_directory, config_settings, metadata_directory)
