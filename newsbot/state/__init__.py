"""The crawler's memory: the contract and shared rules (``base``), the SQLite and Redis
stores, the lock."""
