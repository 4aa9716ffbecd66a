"""Compiles the Chinese catalogues (.po → .mo) while the wheel is built.

The compiled .mo files are not kept in git, so a wheel built from a clean checkout (``pip install .``)
would otherwise carry only the .po sources and every page would be English. polib is a build requirement
(pyproject.toml), so no gettext tools are needed.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        import polib

        for po_path in Path(self.build_lib).glob("jisheng/**/locale/*/LC_MESSAGES/*.po"):
            polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))


setup(cmdclass={"build_py": BuildPyWithCatalogues})
