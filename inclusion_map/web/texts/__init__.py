"""Texts of the public pages, grouped by the part of the site they belong to.

Each module holds a ``TEXTS`` dict of ``key: (French, English)``; :mod:`inclusion_map.web.i18n`
merges them with its own and refuses a key defined twice.
"""
