"""What an import would do, row by row, before anything is written (kept server-side by
:meth:`~inclusion_map.actors.store.ActorStore.stage`, so it is plain data that JSON can carry)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .records import Problem

ACTIONS = ("add", "change", "unchanged", "reject")


@dataclass
class PreviewRow:
    """One row of an uploaded file and what applying it would do.

    Attributes
    ----------
    line : int
        Its place in the file: the CSV line number (the header is line 1) or the GeoJSON feature
        number (from 1).
    action : str
        ``add`` (a new actor), ``change`` (the actor named by its ``id`` gets ``changes``),
        ``unchanged`` (that actor already says all this) or ``reject`` (see ``problems``).
    record : dict or None
        The checked and placed record (``None`` when the row could not be read at all).
    problems : list of Problem
        Why the row is rejected (empty otherwise).
    existing_id : str or None
        The actor a ``change`` or ``unchanged`` row updates, or the one a duplicate repeats.
    changes : dict
        ``{column: (old value, new value)}`` of a ``change`` row.
    notes : list of Problem
        What is worth knowing without rejecting the row (placed at the commune's centre).
    """

    line: int
    action: str
    record: dict | None = None
    problems: list[Problem] = field(default_factory=list)
    existing_id: str | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    notes: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"line": self.line, "action": self.action, "record": self.record,
                "problems": [p.to_dict() for p in self.problems], "existing_id": self.existing_id,
                "changes": {k: [a, b] for k, (a, b) in self.changes.items()},
                "notes": [p.to_dict() for p in self.notes]}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict) -> PreviewRow:
        return cls(line=int(data["line"]), action=str(data["action"]), record=data.get("record"),
                   problems=[Problem.from_dict(p) for p in data.get("problems") or []],
                   existing_id=data.get("existing_id"),
                   changes={k: (v[0], v[1]) for k, v in (data.get("changes") or {}).items()},
                   notes=[Problem.from_dict(p) for p in data.get("notes") or []])  # fmt: skip


@dataclass
class Preview:
    """Every row of one upload and what applying them would do.

    Attributes
    ----------
    rows : list of PreviewRow
    filename : str
        The uploaded file's name (recorded as each actor's ``source``).
    token : str or None
        Set when the preview was kept by :meth:`ActorStore.stage` and read back by
        :meth:`ActorStore.staged`; applying it then forgets it.
    """

    rows: list[PreviewRow]
    filename: str = ""
    token: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        """Rows per action: ``{"add": …, "change": …, "unchanged": …, "reject": …}``."""
        found = Counter(r.action for r in self.rows)
        return {action: found.get(action, 0) for action in ACTIONS}

    def to_dict(self) -> dict:
        return {"filename": self.filename, "rows": [r.to_dict() for r in self.rows]}

    @classmethod
    def from_dict(cls, data: dict, token: str | None = None) -> Preview:
        return cls([PreviewRow.from_dict(r) for r in data.get("rows") or []], str(data.get("filename") or ""),
                   token)  # fmt: skip
