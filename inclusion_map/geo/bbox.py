"""Query values shared by the API, the OGC API and the downloads: numbers and WGS84 boxes, with
clear 400 messages."""

from __future__ import annotations

import math

from ..errors import BadRequest

BBOX_HINT = "give min_lon,min_lat,max_lon,max_lat in WGS84 degrees, e.g. 2.3,48.7,2.5,48.9"


def finite_number(name: str, value, hint: str | None = None) -> float:
    """``value`` (a string or a number) as a finite float, or a :class:`BadRequest` naming ``name``."""
    try:
        if isinstance(value, bool) or value is None:
            raise ValueError
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} '{value}' is not a number", hint=hint) from None
    if not math.isfinite(number):
        raise BadRequest(f"{name} '{value}' is not a finite number", hint=hint)
    return number


def parse_bbox(bbox, max_deg: float | None = None) -> tuple[float, float, float, float] | None:
    """``"minlon,minlat,maxlon,maxlat"`` (or four numbers) in WGS84 degrees; ``None`` when empty.

    Parameters
    ----------
    max_deg : float, optional
        The widest box accepted, in degrees of longitude and of latitude.
    """
    if bbox is None or bbox == "":
        return None
    parts = bbox.split(",") if isinstance(bbox, str) else bbox
    parts = list(parts) if hasattr(parts, "__len__") else [parts]
    if len(parts) != 4:
        raise BadRequest(f"bbox '{bbox}' is malformed: it needs 4 numbers, not {len(parts)}", hint=BBOX_HINT)
    x0, y0, x1, y1 = (finite_number("bbox", p, BBOX_HINT) for p in parts)
    text = f"bbox {x0:g},{y0:g},{x1:g},{y1:g}"
    if max(abs(x0), abs(x1)) > 180 or max(abs(y0), abs(y1)) > 90:
        raise BadRequest(f"{text} is outside -180..180, -90..90 degrees", hint=BBOX_HINT)
    if x0 > x1 or y0 > y1:
        raise BadRequest(f"{text}: a minimum is greater than its maximum", hint=BBOX_HINT)
    if max_deg is not None and (x1 - x0 > max_deg or y1 - y0 > max_deg):
        wide = f"zoom in: at most {max_deg:g} degrees of longitude and of latitude"
        raise BadRequest(f"{text} is {max(x1 - x0, y1 - y0):g} degrees wide", hint=wide)
    return x0, y0, x1, y1
