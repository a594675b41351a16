"""The strategies: each reads a compiled `Problem` and returns a `Result` (see `base`).

Before any of them imports numba, this package decides where numba keeps its compiled
kernels: beside the source in a checkout (numba's own choice), but in the user's cache
folder for an install into site-packages. A cache written inside site-packages outlives
`pip uninstall` (pip removes only the files it installed), and the `allocator` folder it
leaves there shadows a later editable install of the same environment for every script run
outside the checkout (`allocate` then fails with ModuleNotFoundError).
"""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Iterable, Mapping
from pathlib import Path


def numba_cache_dir(
    package: Path, site_dirs: Iterable[Path], environ: Mapping[str, str], home: Path
) -> Path | None:
    """The folder numba should cache into, or None to leave numba's choice: the user's cache
    folder when `package` is installed under one of `site_dirs` and nobody chose one."""
    if "NUMBA_CACHE_DIR" in environ:
        return None
    if not any(package.is_relative_to(site) for site in site_dirs):
        return None
    base = Path(environ["XDG_CACHE_HOME"]) if environ.get("XDG_CACHE_HOME") else home / ".cache"
    return base / "allocator" / "numba"


def _site_dirs() -> set[Path]:
    paths = sysconfig.get_paths()
    return {Path(paths[key]).resolve() for key in ("purelib", "platlib")}


if "numba" not in sys.modules:  # once numba is loaded, its configuration is read
    _chosen = numba_cache_dir(Path(__file__).resolve(), _site_dirs(), os.environ, Path.home())
    if _chosen is not None:
        os.environ["NUMBA_CACHE_DIR"] = str(_chosen)
