"""The pages a public service owes: legal notice, accessibility statement, personal data, help line."""

TEXTS: dict[str, tuple[str, str]] = {}
