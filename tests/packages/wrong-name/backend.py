"""An in-tree backend that builds a wheel for another project than the sdist's."""

import zipfile


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    filename = "something_else-9.9-py3-none-any.whl"
    with zipfile.ZipFile(f"{wheel_directory}/{filename}", "w") as archive:
        archive.writestr(
            "something_else-9.9.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: something-else\nVersion: 9.9\n",
        )
        archive.writestr("something_else-9.9.dist-info/WHEEL", "Wheel-Version: 1.0\n")
    return filename
