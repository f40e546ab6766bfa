"""The search and results: forgiving search, results first on phones, the printed list."""

TEXTS: dict[str, tuple[str, str]] = {}
