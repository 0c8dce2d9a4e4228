"""The project's spiders (one per site)."""
