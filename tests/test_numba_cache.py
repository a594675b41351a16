"""Where numba keeps the compiled kernels (allocator.strategies): never inside an install's
site-packages, where `pip uninstall` would leave them behind as a folder that shadows a later
editable install."""

from __future__ import annotations

from pathlib import Path

from allocator.strategies import numba_cache_dir

SITE = Path("/venv/lib/python3.11/site-packages")
HOME = Path("/home/organiser")


def test_an_install_in_site_packages_caches_in_the_users_cache_folder():
    package = SITE / "allocator" / "strategies" / "__init__.py"
    assert numba_cache_dir(package, [SITE], {}, HOME) == HOME / ".cache" / "allocator" / "numba"
    xdg = {"XDG_CACHE_HOME": "/tmp/cache"}
    assert numba_cache_dir(package, [SITE], xdg, HOME) == Path("/tmp/cache/allocator/numba")


def test_a_checkout_and_a_chosen_folder_keep_numbas_choice():
    checkout = Path("/work/allocator/allocator/strategies/__init__.py")
    assert numba_cache_dir(checkout, [SITE], {}, HOME) is None
    chosen = {"NUMBA_CACHE_DIR": "/srv/numba"}
    assert numba_cache_dir(SITE / "allocator" / "x.py", [SITE], chosen, HOME) is None
