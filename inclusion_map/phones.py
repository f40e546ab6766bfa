"""Phone numbers in the standard's international form (``+33…`` without spaces)."""

from __future__ import annotations

import functools
import re

import phonenumbers

# Regions tried in order: metropolitan France first, then the overseas numbering plans.
_REGIONS = ("FR", "GP", "MQ", "GF", "RE", "YT", "PM", "NC", "PF", "WF")
_STANDARD = re.compile(r"(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)\d{6,9}")


def normalise_phone(text: str) -> str | None:
    """Return the number as E.164 if it is a valid French (or overseas) number, else ``None``."""
    for region in _REGIONS:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return e164 if _STANDARD.fullmatch(e164) else None
    return None


@functools.lru_cache(maxsize=65_536)  # parsing costs more than the rest of a result card
def display_phone(e164: str) -> str:
    """The number as people write it in France (``01 47 18 06 73``), or unchanged if unreadable."""
    try:
        number = phonenumbers.parse(e164, "FR")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
