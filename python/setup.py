"""Install the ogas Python package: ``pip install ./python`` (offline: only setuptools).

There is deliberately no pyproject.toml: with one, pip builds in an isolated
environment and downloads setuptools, which fails without a network. Pips that
isolate every build need ``pip install --no-build-isolation ./python``.

The package finds libogas at run time (see ogas/_lib.py); to bundle the
library, copy libogas.so* into ogas/ before installing.
"""

from pathlib import Path

from setuptools import setup

readme = Path(__file__).with_name("README.md")

setup(
    name="ogas",
    version="0.2.0",
    description="Online Generative Active Sampling: Python binding of the libogas breeder",
    long_description=readme.read_text(encoding="utf-8") if readme.exists() else "",
    long_description_content_type="text/markdown",
    packages=["ogas"],
    package_data={"ogas": ["py.typed", "libogas.so*"]},
    python_requires=">=3.8",
    install_requires=["numpy"],
)
