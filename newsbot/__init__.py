"""newsbot: the English news of urdupoint.com as a clean JSON Lines corpus."""

#: The one place the version is written: packaging (pyproject.toml) and the User-Agent read it.
__version__ = "0.1.0"
