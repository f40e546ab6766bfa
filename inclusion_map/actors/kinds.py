"""The kinds of actor the configuration declares (``actors.kinds`` of ``config.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import ActorField, ActorKindConfig, Settings
from ..vocab import fold


@dataclass(frozen=True)
class ActorKind:
    """One kind of actor, as the rest of the package reads it.

    Attributes
    ----------
    slug : str
        Its key in ``actors.kinds`` (``acces_droit``), the ``kind`` column of an actor.
    config : ActorKindConfig
        Titles, colour, icon, ``public``, services and extra fields, as configured.
    """

    slug: str
    config: ActorKindConfig

    @property
    def public(self) -> bool:
        """Whether actors of this kind are published (``False``: organisers only)."""
        return self.config.public

    def title(self, lang: str = "fr") -> str:
        """The kind's title in ``lang`` (``fr`` or ``en``)."""
        return self.config.title_en if lang == "en" else self.config.title_fr

    @property
    def fields(self) -> tuple[ActorField, ...]:
        """The kind's extra fields, stored in the ``extra`` JSON column."""
        return self.config.fields

    def field(self, name: str) -> ActorField | None:
        """The extra field called ``name``, or ``None``."""
        return next((f for f in self.config.fields if f.name == name), None)

    def service(self, value: str) -> str | None:
        """The slug of a service of this kind named by its slug or its French or English label
        (accents, case and punctuation ignored), or ``None`` when the kind has no such service."""
        wanted = fold(value)
        for slug, label in self.config.services.items():
            if wanted in (fold(slug), fold(label.fr), fold(label.en)):
                return slug
        return None

    def service_label(self, slug: str, lang: str = "fr") -> str:
        """The label of a service slug in ``lang`` (the slug itself when unknown)."""
        label = self.config.services.get(slug)
        return (label.en if lang == "en" else label.fr) if label else slug


def kinds(settings: Settings) -> dict[str, ActorKind]:
    """Every configured kind, in the order of the configuration.

    Parameters
    ----------
    settings : Settings

    Returns
    -------
    dict of str to ActorKind
        Keyed by slug (``acces_droit``, ``langue``, ``partenaire`` by default).
    """
    return {slug: ActorKind(slug, cfg) for slug, cfg in settings.actors.kinds.items()}


def public_kinds(settings: Settings) -> dict[str, ActorKind]:
    """The kinds whose actors are published (``public: true``)."""
    return {slug: kind for slug, kind in kinds(settings).items() if kind.public}
