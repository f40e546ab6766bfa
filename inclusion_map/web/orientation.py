"""The guided orientation by need: three short steps in plain words, then the places that match,
each with why, and a one-page sheet a helper prints for the person.

Every step is a plain GET form and the whole state lives in the URL, so the pages work without
JavaScript, the browser's Back button returns to the previous answers and any view can be shared:

1. ``/orientation``: what the person needs (``besoin``, repeatable, see :data:`NEEDS`);
2. ``/orientation/ou``: where (``q``: a commune, a postcode or an address; or ``lon``/``lat``, the
   browser's position, offered only when JavaScript runs);
3. ``/orientation/quand``: when (``quand=<day>-<half>``, repeatable: ``mardi-matin``) and any
   particular need (``particulier``, repeatable, see :data:`PARTICULAR`);
4. ``/orientation/lieux``: the matching places, nearest first, each with the reasons it matches;
   the helper ticks the places to keep (``garder=<id>``, repeatable);
5. ``/orientation/fiche``: one A4 page for the chosen places (``print=1`` for paper, as elsewhere).

A step reached without an answer it needs shows the step that asks for it again, with the reason.
Decisions where the issue is silent:

- Needs are OR'ed: a place matches when it meets at least one of them, and says which.
- A particular need never excludes a place: few venues fill ``prise_en_charge_specifique`` (one in
  forty in the test territory), so filtering on it would hide nearly every place. Each place says
  what its record states, or that the data does not say (never pretending it is suited).
- « When » keeps a place open at some moment of a chosen half-day, on that weekday's next date
  (today included), so public holidays of the coming week count. Unknown hours never exclude a place:
  it is shown with « Horaires inconnus : appelez ». Known hours closed at every chosen time do.
- Without an explicit ``rayon``, the search starts at 5 km and widens to 10 then 20 km while fewer
  than :data:`ENOUGH` places match, and says so.
- Paper is read on later days: the sheet and the results write dates (« mardi 8 décembre »), never
  « demain », and the sheet gives the hours of the 7 days from the day it is printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ..errors import BadRequest
from ..vocab import DISPOSITIFS, MODALITES_ACCOMPAGNEMENT, PRISE_EN_CHARGE, SERVICES, fold
from . import i18n, now_local
from .filters import RADII_KM, Search, keep_presentation, parse_search
from .hours_text import WORDS, clock, coming_days, coming_week, date_words, opens_during, status
from .places import Place
from .venue_index import MAX_LIMIT, MAX_OFFSET, get_index
from .view_helpers import decorate, distance_text, split

bp = Blueprint("orientation", __name__)


@dataclass(frozen=True)
class Criterion:
    """One way a place meets a need: a value of one of the standard's fields, and how to say it."""

    column: str  # a column of the venues layer
    value: str  # a value of the standard's vocabulary for that column
    why: str  # text key of the reason
    offers: bool = True  # said as « Propose : … »


@dataclass(frozen=True)
class Need:
    """A need in plain words (``key`` is the value of ``besoin`` in the URL)."""

    key: str
    criteria: tuple[Criterion, ...] = ()
    common: bool = False  # in the first group of the form
    everything: bool = False  # any place of digital help meets it

    @property
    def text(self) -> str:
        return self.key.replace("-", "_")


def _service(value: str, why: str) -> Criterion:
    return Criterion("services", value, why)


#: The needs and the standard's values that meet them. « Quelqu'un le fait pour vous » is the
#: Aidants Connect mandate (a trained person acts on the person's behalf), not the services.
NEEDS: tuple[Need, ...] = (
    Need("demarche", (_service("Aide aux démarches administratives", "or_why_demarche"),), common=True),
    Need("pour-moi", (Criterion("dispositif_programmes_nationaux", "Aidants Connect", "or_why_pour_moi", False),),
         common=True),
    Need("apprendre", (_service("Maîtrise des outils numériques du quotidien", "or_why_apprendre"),), common=True),
    # « En autonomie » is the standard's word for equipment the person uses on their own.
    Need("ordinateur", (_service("Accès internet et matériel informatique", "or_why_ordinateur"),
                        Criterion("modalites_accompagnement", "En autonomie", "or_why_libre")), common=True),
    Need("acheter", (_service("Acquisition de matériel informatique à prix solidaire", "or_why_acheter"),)),
    Need("emploi", (_service("Insertion professionnelle via le numérique", "or_why_emploi"),)),
    Need("securite", (_service("Utilisation sécurisée du numérique", "or_why_securite"),)),
    Need("enfants", (_service("Parentalité et éducation avec le numérique", "or_why_enfants"),)),
    Need("comprendre", (_service("Compréhension du monde numérique", "or_why_comprendre"),)),
    Need("loisirs", (_service("Loisirs et créations numériques", "or_why_loisirs"),)),
    Need("autre", everything=True),
)  # fmt: skip
NEEDS_BY_KEY = {need.key: need for need in NEEDS}

#: Particular needs → the values of ``prise_en_charge_specifique`` that state them. Mobility is
#: also described by an Acceslibre page when the venue links one (we cannot read it: we link it).
PARTICULAR: dict[str, tuple[str, ...]] = {
    "audition": ("Surdité",),
    "vue": ("Déficience visuelle",),
    "mobilite": ("Handicaps moteurs",),
    "langue": ("Langues étrangères (anglais)", "Langues étrangères (autres)"),
    "lecture": ("Illettrisme",),
    "mental": ("Handicaps mentaux",),
}
DAY_KEYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
#: Half-days, as a person means them: a place open at any moment of the span counts.
HALVES: dict[str, tuple[time, time]] = {"matin": (time(7), time(12, 30)), "apres-midi": (time(13), time(20))}
DEFAULT_RADII_KM = (5, 10, 20)  # widened in this order while too few places match
ENOUGH = 3  # places wanted before the search stops widening
SHOWN = 20  # places listed at most
SHEET_MAX = 5  # places on the one-page sheet at most
SHEET_DEFAULT = 3  # places on the sheet when none was ticked
KEEP_MAX = 50  # ``garder`` values accepted in one URL
_SLOT = re.compile(rf"({'|'.join(DAY_KEYS)})-({'|'.join(HALVES)})")


def _days(lang: str) -> tuple[str, ...]:
    """The weekdays' names, Monday first, as the site's opening hours write them."""
    return WORDS[lang]["days"]


def _check_vocabularies() -> None:
    """Every value named above is one of the standard's (a typo would match nothing, silently)."""
    known = {"services": SERVICES, "dispositif_programmes_nationaux": DISPOSITIFS,
             "modalites_accompagnement": MODALITES_ACCOMPAGNEMENT}  # fmt: skip
    for need in NEEDS:
        for c in need.criteria:
            if c.value not in known[c.column]:
                raise ValueError(f"need {need.key}: {c.value!r} is not a value of {c.column}")
    for key, values in PARTICULAR.items():
        if unknown := [v for v in values if v not in PRISE_EN_CHARGE]:
            raise ValueError(f"particular need {key}: {unknown} not in prise_en_charge_specifique")


_check_vocabularies()


# --- the answers, read from the URL --------------------------------------------------------------
@dataclass
class Answers:
    """Everything the person answered so far (each part may still be empty)."""

    needs: list[str] = field(default_factory=list)
    where: Search = field(default_factory=Search)  # q, lon, lat, radius_km
    radius_given: bool = False
    slots: list[tuple[int, str]] = field(default_factory=list)  # (weekday 0 = Monday, half-day)
    particular: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # venue ids ticked for the sheet

    def pairs(self, *skip: str) -> list[tuple[str, str]]:
        """The answers as query parameters (but those named in ``skip``), for links and forms."""
        pairs = [("besoin", n) for n in self.needs]
        if self.where.lon is not None:
            pairs += [("lon", repr(self.where.lon)), ("lat", repr(self.where.lat))]
        elif self.where.q:
            pairs.append(("q", self.where.q))
        if self.radius_given:
            pairs.append(("rayon", str(self.where.radius_km)))
        pairs += [("quand", f"{DAY_KEYS[d]}-{h}") for d, h in self.slots]
        pairs += [("particulier", p) for p in self.particular]
        pairs += [("garder", k) for k in self.kept]
        dropped = {"q", "lon", "lat"} if "ou" in skip else set()
        return [(k, v) for k, v in pairs if k not in skip and k not in dropped]

    def slot_values(self) -> set[str]:
        return {f"{DAY_KEYS[d]}-{h}" for d, h in self.slots}


def _chosen(values: list[str], allowed, name: str) -> list[str]:
    """Known values, each once, in the URL's order; an unknown one is a clear 400."""
    if unknown := [v for v in values if v not in allowed]:
        raise BadRequest(f"unknown {name} « {unknown[0][:60]} »", hint="accepted: " + ", ".join(allowed))
    return list(dict.fromkeys(values))


def parse_answers(args) -> Answers:
    """Read and check the orientation's query string (a bad value is a 400, never a crash)."""
    answers = Answers()
    answers.needs = _chosen(args.getlist("besoin"), NEEDS_BY_KEY, "besoin")
    # The place and the distance are read as the search page reads them (same checks and messages).
    where = MultiDict([(k, args[k]) for k in ("q", "lon", "lat", "rayon") if args.get(k)])
    answers.where = parse_search(where)
    answers.radius_given = "rayon" in where
    slots = _chosen(args.getlist("quand"), [f"{d}-{h}" for d in DAY_KEYS for h in HALVES], "quand")
    halves = list(HALVES)
    answers.slots = sorted(((DAY_KEYS.index(m[1]), m[2]) for m in map(_SLOT.fullmatch, slots)),
                           key=lambda s: (s[0], halves.index(s[1])))  # fmt: skip
    answers.particular = _chosen(args.getlist("particulier"), PARTICULAR, "particulier")
    kept = args.getlist("garder")
    if len(kept) > KEEP_MAX or any(len(k) > 200 for k in kept):
        raise BadRequest(f"garder: at most {KEEP_MAX} place ids of at most 200 characters")
    answers.kept = list(dict.fromkeys(k for k in kept if k))
    return answers


def _resolve(where: Search) -> tuple[Place | None, list[Place], str | None]:
    """The place to search around, or communes to choose from, or a message: the search page's
    own resolution (positions, communes, postcodes, addresses), called, never copied."""
    # Imported here: the search page's resolution is the one part of it this module depends on,
    # and any change to it then shows on these pages only, not when the application is built.
    from .public import _resolve_place

    place, choices, message, _ = _resolve_place(where)
    return place, choices, message


# --- words ---------------------------------------------------------------------------------------
def _t(key: str, **values) -> str:
    return i18n.text(key, g.lang, **values)


def _join(parts: list[str], lang: str) -> str:
    """« a, b et c »."""
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {i18n.text('or_and', lang)} {parts[-1]}"


def slot_text(day: int, half: str, lang: str) -> str:
    """« mardi matin », "Tuesday morning"."""
    name = i18n.text("or_morning" if half == "matin" else "or_afternoon", lang)
    return i18n.text("or_slot", lang, day=_days(lang)[day], half=name)


def next_opening(expr, now: datetime, lang: str, has_phone: bool) -> tuple[str, str]:
    """The state (open, closed, unknown) and a sentence with the next change written as a date.

    The site's short status says « demain » or « à 14h »; a person reads this later or on paper,
    so the day is always a date here.
    """
    found = status(expr, now, lang)
    if found.state == "unknown":
        return "unknown", i18n.text("or_unknown_call" if has_phone else "or_unknown_ask", lang)
    if found.state == "open":
        if found.closes_at is None:
            return "open", i18n.text("or_open_always", lang)
        end = found.closes_at
        day, shown = end.date(), clock(end.time(), lang)
        if end.time() == time(0):  # a span ending at 00:00 ends at midnight of the day before
            day, shown = day - timedelta(days=1), i18n.text("or_midnight", lang)
        if day == now.date():
            return "open", i18n.text("or_open_until", lang, t=shown)
        return "open", i18n.text("or_open_until_day", lang, d=date_words(day, lang), t=shown)
    if found.opens_at is None:
        return "closed", i18n.text("or_closed_for_now", lang)
    opens = found.opens_at
    return "closed", i18n.text(
        "or_next_opening", lang, d=date_words(opens.date(), lang), t=clock(opens.time(), lang)
    )


# --- matching ------------------------------------------------------------------------------------
def _has(record: dict, column: str, value: str) -> bool:
    return fold(value) in {fold(v) for v in split(record.get(column))}


@lru_cache(maxsize=20_000)
def _slot_states(expr: str, slots: tuple[tuple[int, str], ...], today: date) -> tuple[bool | None, ...]:
    """Open (True), closed (False) or unknown (None) at each chosen half-day, on its next date."""
    days = coming_days(today)
    states = []
    for day, half in slots:
        start, end = HALVES[half]
        monday = days[day] - timedelta(days=days[day].weekday())
        states.append(opens_during(expr, day, start, end, monday))
    return tuple(states)


@dataclass
class Match:
    """A place that meets the need, with why."""

    record: dict  # the index's item (``distance_m``, ``walk_min`` when searched around a point)
    needs: list[str]  # reasons it meets the needs, in words
    open_slots: list[tuple[int, str]]  # chosen half-days it is open at
    hours_unknown: bool  # unknown at every chosen time (or no hours at all)


def need_reasons(record: dict, needs: list[str], lang: str) -> list[str]:
    """Why a place meets the needs, one sentence each (empty: it meets none)."""
    reasons: list[str] = []
    for key in needs:
        need = NEEDS_BY_KEY[key]
        if need.everything:
            reasons.append(i18n.text("or_why_autre", lang))
            continue
        for c in need.criteria:
            if _has(record, c.column, c.value):
                what = i18n.text(c.why, lang)
                reasons.append(i18n.text("or_offers", lang, what=what) if c.offers else what)
    return list(dict.fromkeys(reasons))


def match(record: dict, answers: Answers, today: date, lang: str) -> Match | None:
    """The place as a match of the answers' needs and times, or ``None`` (no need met, or known
    hours closed at every chosen time)."""
    reasons = need_reasons(record, answers.needs, lang)
    if not reasons:
        return None
    open_slots, unknown = [], False
    if answers.slots:
        expr = record.get("horaires")
        known = isinstance(expr, str) and bool(expr.strip())
        states = (
            _slot_states(expr.strip(), tuple(answers.slots), today) if known else (None,) * len(answers.slots)
        )
        open_slots = [slot for slot, state in zip(answers.slots, states, strict=True) if state]
        if not open_slots and all(state is False for state in states):
            return None  # known hours, closed at every chosen time
        unknown = not open_slots  # nothing open, and some chosen time unknown
    return Match(record, reasons, open_slots, unknown)


@dataclass
class Found:
    """The matches around a place, within the radius used, nearest first."""

    matches: list[Match]
    radius_km: int
    widened: bool  # the radius grew past the first one because too few places matched
    closed: int  # places that meet the need within the radius but are closed at the chosen times
    larger: int | None  # the next radius to offer (« Chercher plus loin »), if any


def _nearby(index, place: Place, radius_km: int) -> list[dict]:
    """Every venue within ``radius_km`` of the place, nearest first (the index pages by 100)."""
    items, offset = [], 0
    while offset <= MAX_OFFSET:
        page = index.query(
            lon=place.lon, lat=place.lat, radius_m=radius_km * 1000, limit=MAX_LIMIT, offset=offset
        )
        items += page.items
        offset += MAX_LIMIT
        if offset >= page.total:
            break
    return items


def find(index, place: Place, answers: Answers, today: date, lang: str) -> Found:
    """The places matching the answers around ``place``: within ``rayon`` when given, else within
    5 km, widened to 10 then 20 km while fewer than :data:`ENOUGH` places match."""
    radii = (answers.where.radius_km,) if answers.radius_given else DEFAULT_RADII_KM
    for radius in radii:
        matches, closed = [], 0
        for record in _nearby(index, place, radius):
            found = match(record, answers, today, lang)
            if found is not None:
                matches.append(found)
            elif answers.slots and need_reasons(record, answers.needs, lang):
                closed += 1
        if len(matches) >= ENOUGH:
            break
    larger = next((r for r in RADII_KM if r > radius), None)
    return Found(matches, radius, radius != radii[0], closed, larger)


def particular_reasons(record: dict, particular: list[str], acceslibre: str | None, lang: str) -> list[dict]:
    """What the place's record says of each particular need: stated (``ok``), described elsewhere
    (``info``, with a link), or not said at all (``unknown``): never guessed."""
    said = {fold(v) for v in split(record.get("prise_en_charge_specifique"))}
    reasons = []
    for key in particular:
        people = i18n.text(f"or_people_{key}", lang)
        stated = [v for v in PARTICULAR[key] if fold(v) in said]
        if key == "langue" and stated:
            for value in stated:
                english = value == "Langues étrangères (anglais)"
                reasons.append({"kind": "ok", "text": i18n.text("or_specific_english" if english
                                                                else "or_specific_languages", lang)})  # fmt: skip
        elif stated:
            reasons.append({"kind": "ok", "text": i18n.text("or_specific_yes", lang, people=people)})
        elif key == "mobilite" and acceslibre:
            reasons.append({"kind": "info", "text": i18n.text("or_specific_acceslibre", lang, people=people),
                            "link": acceslibre, "link_text": i18n.text("or_acceslibre_link", lang)})  # fmt: skip
        else:
            reasons.append({"kind": "unknown", "text": i18n.text("or_specific_unknown", lang, people=people)})
    return reasons


def show(found: Match, answers: Answers, now: datetime, lang: str) -> dict:
    """What the results and the sheet show of a match (never HTML: the templates escape it all)."""
    item = decorate(found.record, now, lang)
    reasons = [{"kind": "ok", "text": text} for text in found.needs]
    if found.open_slots:
        slots = _join([slot_text(d, h, lang) for d, h in found.open_slots], lang)
        reasons.append({"kind": "ok", "text": i18n.text("or_open_on", lang, slots=slots)})
    elif found.hours_unknown:
        key = "or_unknown_call" if item["phones"] else "or_unknown_ask"
        reasons.append({"kind": "unknown", "text": i18n.text(key, lang)})
    reasons += particular_reasons(found.record, answers.particular, item["acceslibre"], lang)
    item["reasons"] = reasons
    item["next_state"], item["next_text"] = next_opening(
        found.record.get("horaires"), now, lang, bool(item["phones"])
    )
    item["hours_fallback"] = item["next_text"]  # the sheet's words when no week of hours is known
    if item["next_state"] == "unknown" and found.hours_unknown:
        item["next_text"] = None  # already said among the reasons
    item["coming_week"] = coming_week(found.record.get("horaires"), now.date(), lang)
    metres, walk = found.record.get("distance_m"), found.record.get("walk_min")
    item["distance_line"] = None
    if metres is not None and walk is not None and not item["approximate"]:
        item["distance_line"] = i18n.text(
            "or_distance", lang, d=distance_text(metres, lang), min=max(1, round(walk))
        )
    return item


# --- pages ---------------------------------------------------------------------------------------
def _settings():
    return current_app.config["SETTINGS"]


def _presentation(printing: bool = False) -> list[tuple[str, str]]:
    """Language and embed mode carried into every link; print only where asked."""
    keep = keep_presentation(request.args)
    keep.pop("print", None)
    return list(keep.items()) + ([("print", "1")] if printing else [])


def _link(endpoint: str, pairs: list[tuple[str, str]], printing: bool = False) -> str:
    query = urlencode(pairs + _presentation(printing))
    return url_for(endpoint) + (f"?{query}" if query else "")


def _steps(answers: Answers, current: int) -> list[dict]:
    """The progress list: each step's name, link (the steps already answered) and state."""
    endpoints = ("orientation.start", "orientation.where", "orientation.when")
    names = ("or_step_need", "or_step_where", "or_step_when")
    steps = []
    for n, (endpoint, name) in enumerate(zip(endpoints, names, strict=True), start=1):
        state = "current" if n == current else "done" if n < current else "todo"
        steps.append({"n": n, "name": _t(name), "state": state,
                      "url": _link(endpoint, answers.pairs()) if state == "done" else None})  # fmt: skip
    return steps


def _page(template: str, answers: Answers, step: int | None, **context):
    return render_template(template, answers=answers, steps=_steps(answers, step) if step else [],
                           needs=NEEDS, particular=PARTICULAR, day_keys=DAY_KEYS, halves=HALVES,
                           days=_days(g.lang), presentation=_presentation(),
                           link=lambda endpoint, *skip, **kw: _link(endpoint, answers.pairs(*skip), **kw),
                           **context)  # fmt: skip


def _need_step(answers: Answers, missing: bool = False):
    return _page("orientation_need.html", answers, 1, missing=missing)


def _where_step(answers: Answers, missing: bool = False, message: str | None = None, choices=()):
    chosen = _join([_t(f"or_short_{NEEDS_BY_KEY[n].text}") for n in answers.needs], g.lang)
    # A commune to choose goes on to the next step, named as the search page names it.
    links = [(c.label, _link("orientation.when", [*answers.pairs("ou", "garder"), ("q", c.label.split(" (")[0])]))
             for c in choices]  # fmt: skip
    return _page("orientation_where.html", answers, 2, missing=missing, message=message, choices=links,
                 chosen=chosen)  # fmt: skip


def _answered(answers: Answers):
    """The place the answers name, or the page of the step still to answer (as a response)."""
    if not answers.needs:
        return None, _need_step(answers, missing=True)
    if answers.where.lon is None and not answers.where.q:
        return None, _where_step(answers, missing=True)
    place, choices, message = _resolve(answers.where)
    if place is None:
        return None, _where_step(answers, message=message, choices=choices)
    return place, None


@bp.get("/orientation")
def start():
    return _need_step(parse_answers(request.args))


@bp.get("/orientation/ou")
def where():
    answers = parse_answers(request.args)
    if not answers.needs:
        return _need_step(answers, missing=True)
    return _where_step(answers)


@bp.get("/orientation/quand")
def when():
    answers = parse_answers(request.args)
    place, step = _answered(answers)
    if step is not None:
        return step
    return _page("orientation_when.html", answers, 3, place=place)


def _summary(answers: Answers, place: Place) -> list[dict]:
    """« Vos réponses », each with a link to change it."""
    lang = g.lang
    needs = _join([_t(f"or_short_{NEEDS_BY_KEY[n].text}") for n in answers.needs], lang)
    when_text = _join([slot_text(d, h, lang) for d, h in answers.slots], lang) or _t("or_any_time")
    rows = [
        {"label": _t("or_answer_need"), "text": needs, "url": _link("orientation.start", answers.pairs())},
        {
            "label": _t("or_answer_where"),
            "text": place.label,
            "url": _link("orientation.where", answers.pairs()),
        },
        {"label": _t("or_answer_when"), "text": when_text, "url": _link("orientation.when", answers.pairs())},
    ]
    # « ; » between groups of people: « et » already joins words inside them
    separator = " ; " if lang == "fr" else "; "
    particular = separator.join(_t(f"or_people_{p}") for p in answers.particular) or _t("or_none")
    rows.append({"label": _t("or_answer_specific"), "text": particular,
                 "url": _link("orientation.when", answers.pairs())})  # fmt: skip
    return rows  # fmt: skip


def _window(today: date, lang: str) -> tuple[str, str]:
    """The first and last days of the 7 days checked, as dates (the last with its year)."""
    last = today + timedelta(days=6)
    return date_words(today, lang, year=today.year != last.year), date_words(last, lang, year=True)


@bp.get("/orientation/lieux")
def results():
    answers = parse_answers(request.args)
    place, step = _answered(answers)
    if step is not None:
        return step
    now = now_local()
    found = find(get_index(_settings().store_location), place, answers, now.date(), g.lang)
    items = [show(m, answers, now, g.lang) for m in found.matches[:SHOWN]]
    particular_counts = []
    for key in answers.particular:
        n = sum(any(r["kind"] == "ok" for r in particular_reasons(m.record, [key], None, g.lang))
                for m in found.matches)  # fmt: skip
        said = _t("or_said_none") if n == 0 else _t("or_said_one", total=len(found.matches)) if n == 1 else \
            _t("or_said_many", n=n, total=len(found.matches))  # fmt: skip
        particular_counts.append(_t("or_specific_summary", people=_t(f"or_people_{key}"), said=said))
    closed = None
    if found.closed:
        closed = _t("or_closed_one") if found.closed == 1 else _t("or_closed_many", n=found.closed)
    first, last = _window(now.date(), g.lang)
    kept = set(answers.kept)
    total = len(found.matches)
    count = (_t("or_found_none", km=found.radius_km, place=place.label) if total == 0 else
             _t("or_found_one", km=found.radius_km, place=place.label) if total == 1 else
             _t("or_found_many", n=total, km=found.radius_km, place=place.label))  # fmt: skip
    further = None
    if found.larger is not None:
        further = _link(
            "orientation.results", [*answers.pairs("rayon", "garder"), ("rayon", str(found.larger))]
        )
    return _page("orientation_results.html", answers, None, place=place, found=found, items=items, count=count,
                 summary=_summary(answers, place), particular_counts=particular_counts, kept=kept,
                 window=_t("or_hours_window", first=first, last=last), further=further, closed=closed,
                 any_time=_link("orientation.results", answers.pairs("quand", "garder")) if found.closed else None,
                 state=answers.pairs("garder"))  # fmt: skip


@bp.get("/orientation/fiche")
def sheet():
    answers = parse_answers(request.args)
    place, step = _answered(answers)
    if step is not None:
        return step
    now = now_local()
    index = get_index(_settings().store_location)
    found = find(index, place, answers, now.date(), g.lang)
    by_id = {str(m.record.get("id")): m for m in found.matches}
    notes, chosen = [], []
    if answers.kept:
        if len(answers.kept) > SHEET_MAX:
            notes.append(_t("or_sheet_capped", n=len(answers.kept), max=SHEET_MAX))
        for venue_id in answers.kept:
            if venue_id in by_id:
                chosen.append(by_id[venue_id])
            elif (record := index.get(venue_id)) is not None:
                # Ticked, but not in this search (another radius, or new answers): shown without the
                # distance, with the reasons it still meets.
                chosen.append(match(record, answers, now.date(), g.lang) or Match(record, [], [], False))
            else:
                notes.append(_t("or_sheet_gone"))
        chosen = chosen[:SHEET_MAX]
    else:
        chosen = found.matches[:SHEET_DEFAULT]
        if chosen:
            notes.append(_t("or_sheet_default", n=len(chosen)))
    items = [show(m, answers, now, g.lang) for m in chosen]
    for item in items:
        # From a commune's inner point a distance says little: it is given only from a real start
        # (an address, or the position of the person or of the helper's desk).
        item["from_line"] = None
        if item["distance_line"] and place.kind == "address":
            item["from_line"] = _t("or_sheet_from", d=distance_text(item["distance_m"], g.lang), place=place.label,
                                   min=max(1, round(item["walk_min"])))  # fmt: skip
        elif item["distance_line"] and place.kind == "position":
            item["from_line"] = item["distance_line"]
    first, last = _window(now.date(), g.lang)
    needs = _join([_t(f"or_short_{NEEDS_BY_KEY[n].text}") for n in answers.needs], g.lang)
    results_url = _link("orientation.results", answers.pairs())
    return _page("orientation_sheet.html", answers, None, place=place, items=items, notes=list(dict.fromkeys(notes)),
                 needs_text=needs, prepared=date_words(now.date(), g.lang, year=True),
                 hours_note=_t("or_sheet_hours_note", first=first, last=last), results_url=results_url,
                 home_url=url_for("public.home", _external=True))  # fmt: skip


__all__ = [
    "NEEDS",
    "PARTICULAR",
    "bp",
    "coming_week",
    "date_words",
    "find",
    "match",
    "next_opening",
    "parse_answers",
]
