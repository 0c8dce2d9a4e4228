"""Packaging for Scrapyd: ``scrapyd-deploy`` builds an egg with ``setup.py bdist_egg``.

The metadata, the ``scrapy`` settings entry point and the packages are declared in
``pyproject.toml``; this file only lets ``scrapyd-deploy`` find them.
"""

from setuptools import setup

setup()
