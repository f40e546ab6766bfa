"""The guided orientation by need (``/orientation``) and its printed sheet."""

TEXTS: dict[str, tuple[str, str]] = {}
