"""The environment every subprocess wheelmill starts runs in.

A user's machine carries pip and uv settings of its own: ``PIP_*`` and ``UV_*``
variables, a global or user ``pip.conf``, ``uv.toml``, a user site-packages.
None of them may change what wheelmill resolves or builds, so subprocesses get a
copy of the environment with all of those removed, and only wheelmill's own
index settings put back.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

#: Prefixes of variables that configure pip, uv or the interpreter's import path.
_STRIPPED_PREFIXES = ("PIP_", "UV_", "PIPTOOLS_", "CUSTOM_COMPILE_COMMAND")
_STRIPPED_NAMES = frozenset(
    {
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONUSERBASE",
        "PYTHONSTARTUP",
        "PYTHONSAFEPATH",
        "VIRTUAL_ENV",
        "CONDA_PREFIX",
        "__PYVENV_LAUNCHER__",
    }
)


def isolated_env(
    *,
    index_url: str,
    find_links: tuple[str, ...] = (),
    extra: Mapping[str, str] | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Return a subprocess environment free of the user's pip/uv configuration.

    ``index_url`` and ``find_links`` become the only package sources pip and uv
    see; ``extra`` (per-build variables from the config) is applied last. Pass
    ``find_links`` as URLs (``Path.as_uri()``): pip splits the variable on
    whitespace and uv on commas, so a plain path with a space would break.
    """
    source = os.environ if base is None else base
    env = {
        key: value
        for key, value in source.items()
        if not key.startswith(_STRIPPED_PREFIXES) and key not in _STRIPPED_NAMES
    }
    env.update(
        {
            # os.devnull is special-cased by pip: no config file is read at all.
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_INDEX_URL": index_url,
            "PIP_NO_INPUT": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_COLOR": "1",
            "PYTHONNOUSERSITE": "1",
            "UV_NO_CONFIG": "1",
            "UV_DEFAULT_INDEX": index_url,
            "UV_NO_PROGRESS": "1",
            "UV_PYTHON_DOWNLOADS": "never",
        }
    )
    if find_links:
        env["PIP_FIND_LINKS"] = " ".join(find_links)
        env["UV_FIND_LINKS"] = ",".join(find_links)
    if extra:
        env.update(extra)
    return env


#: What a build's backend may see of wheelmill's environment (besides its own
#: overrides): the search paths, the locale, and the compiler variables named
#: by the caller. Nothing else: no credentials (``AWS_*``, tokens), no ``PIP_*``.
_ALLOWED_NAMES = frozenset(
    {
        "PATH",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TERM",
        "LD_LIBRARY_PATH",
        "LIBRARY_PATH",
        "CPATH",
        "C_INCLUDE_PATH",
        "CPLUS_INCLUDE_PATH",
        "PKG_CONFIG_LIBDIR",
        "PKG_CONFIG_SYSROOT_DIR",
        "MAKEFLAGS",
        "CMAKE_PREFIX_PATH",
        "CMAKE_GENERATOR",
        "CUDA_HOME",
        "JAVA_HOME",
        "SDKROOT",
        "DEVELOPER_DIR",
        "SOURCE_DATE_EPOCH",
    }
)
_ALLOWED_PREFIXES = ("LC_",)


#: What the build frontend and the installers need besides: who and where the
#: user is (their caches are set elsewhere), and how to reach the index.
_FRONTEND_NAMES = frozenset(
    {
        "HOME",
        "USER",
        "LOGNAME",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "all_proxy",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
    }
)


def frontend_base(
    names: tuple[str, ...] = (), base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The part of ``base`` the build frontend gets (to pass to :func:`isolated_env`):
    the backend's allow-list, ``names``, and what installing from an index needs
    (proxies, certificates, ``HOME``). No credentials reach the installers either."""
    source = os.environ if base is None else base
    allowed = _ALLOWED_NAMES.union(names, _FRONTEND_NAMES)
    return {
        key: value
        for key, value in source.items()
        if key in allowed or key.startswith(_ALLOWED_PREFIXES)
    }


def backend_env(
    *,
    names: tuple[str, ...] = (),
    extra: Mapping[str, str] | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a build's backend: an allow-list of ``base`` (the variables
    above and ``names``), then ``extra`` (the pin's overrides, set last)."""
    source = os.environ if base is None else base
    allowed = _ALLOWED_NAMES.union(names)
    env = {
        key: value
        for key, value in source.items()
        if key in allowed or key.startswith(_ALLOWED_PREFIXES)
    }
    env["PYTHONNOUSERSITE"] = "1"
    if extra:
        env.update(extra)
    return env
