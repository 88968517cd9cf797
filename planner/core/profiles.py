"""Country profiles: what a cluster is called, how it is funded and what the files say.

A cluster is a *klynge* in Denmark (kommune, region; 4.20 kr per patient a year, at least
125,000 kr, 10,000 kr per GP at start-up) and a *Primary Care Network* in England
(practices, sub-ICB locations, integrated care systems; 30,000-50,000 patients; funded by
NHS rules the planner does not model, so no money figures are shown).  A profile holds:

- default rules, applied beneath a configuration file and flags;
- the funding rule (or none) and its currency;
- the words of the map, the report and the console, in English and Danish, as
  replacements of the planner's own words (``Cluster`` -> ``PCN``);
- the column names the country's public files use, recognised without flags.

``planner plan --profile england``, ``plan(..., profile="england")``, or in a
configuration file ``[plan] profile = "england"``; a custom profile is a ``[profile]``
table (see :func:`profile_from_mapping`).

>>> ENGLAND.funding is None, DENMARK.funding.per_patient
(True, 4.2)
>>> get_profile("england").rules["max_patients"]
50000
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from planner.core.errors import PlannerError, Problem, ValidationError
from planner.core.rules import (
    BUDGET_MIN_PER_CLUSTER_DKK,
    BUDGET_PER_GP_STARTUP_DKK,
    BUDGET_PER_PATIENT_DKK,
)

__all__ = [
    "DENMARK",
    "ENGLAND",
    "PROFILES",
    "Funding",
    "Profile",
    "get_profile",
    "profile_from_mapping",
    "replace_words",
]


@dataclass(frozen=True)
class Funding:
    """A funding rule: ``per_patient`` a year, at least ``minimum`` per cluster, and
    ``per_gp_startup`` once per GP; amounts in ``currency`` (an ISO code such as DKK),
    shown with ``symbol`` (English, Danish)."""

    per_patient: float
    minimum: float
    per_gp_startup: float
    currency: str = "DKK"
    symbol: tuple[str, str] = ("kr", "kr.")

    def __post_init__(self) -> None:
        for name in ("per_patient", "minimum", "per_gp_startup"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise PlannerError(f"funding {name} must be a number >= 0, got {value!r}")
        if not re.fullmatch(r"[A-Z]{3}", self.currency):
            raise PlannerError(
                f"funding currency must be an ISO code such as DKK, got {self.currency!r}"
            )

    @property
    def columns(self) -> tuple[str, str]:
        """The cluster table's columns of the annual budget and the start-up grant.

        >>> DENMARK.funding.columns
        ('budget_dkk', 'startup_dkk')
        """
        code = self.currency.lower()
        return f"budget_{code}", f"startup_{code}"

    def symbol_in(self, lang: str) -> str:
        """The currency's symbol in ``lang`` (``en`` or ``da``).

        >>> DENMARK.funding.symbol_in("da")
        'kr.'
        """
        return self.symbol[0 if lang == "en" else 1]

    def annual(self, patients: float) -> float:
        """A cluster's annual budget.

        >>> DENMARK.funding.annual(30_000), DENMARK.funding.annual(10_000)
        (126000.0, 125000.0)
        """
        return round(max(self.per_patient * patients, self.minimum), 2)

    def startup(self, doctors: float) -> float:
        """A cluster's one-off start-up grant."""
        return round(self.per_gp_startup * doctors, 2)

    def to_mapping(self) -> dict[str, Any]:
        return {
            "per_patient": self.per_patient,
            "minimum": self.minimum,
            "per_gp_startup": self.per_gp_startup,
            "currency": self.currency,
            "symbol": list(self.symbol),
        }


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@dataclass(frozen=True)
class Profile:
    """A country's (or a custom) way of naming, funding and sizing clusters.

    Attributes
    ----------
    name
        ``denmark``, ``england`` or a custom name.
    rules
        Default values of :class:`~planner.core.rules.Rules` fields.
    funding
        The funding rule, or ``None`` (no money figures anywhere).
    words
        Per language (``en``, ``da``), the planner's own words and their replacements,
        whole words, case as written (``{"en": {"Cluster": "PCN"}}``).
    aliases
        Extra names of the canonical columns in the country's public files.
    base
        The built-in profile a custom one starts from (``""`` for a built-in one).
    """

    name: str
    rules: Mapping[str, Any] = field(default_factory=dict)
    funding: Funding | None = None
    words: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    base: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", _frozen(self.rules))
        object.__setattr__(self, "words", _frozen({k: _frozen(v) for k, v in self.words.items()}))
        object.__setattr__(self, "aliases", _frozen(self.aliases))

    def __reduce__(self) -> tuple[Any, ...]:
        # Picklable: a built-in profile by name (the same object back), else plain maps.
        if self.builtin:
            return (get_profile, (self.name,))
        words = {lang: dict(w) for lang, w in self.words.items()}
        values = (self.name, dict(self.rules), self.funding, words, dict(self.aliases), self.base)
        return (Profile, values)

    @property
    def builtin(self) -> bool:
        return PROFILES.get(self.name) is self

    def to_mapping(self) -> dict[str, Any]:
        """The custom profile as the ``[profile]`` table :func:`profile_from_mapping` reads."""
        base = PROFILES[self.base] if self.base else DENMARK
        out: dict[str, Any] = {"name": self.name, "base": self.base or "denmark"}
        for key in ("min_patients", "max_patients"):
            if key in self.rules and self.rules[key] != base.rules.get(key):
                out[key] = self.rules[key]
        if self.funding != base.funding:
            out["funding"] = self.funding.to_mapping() if self.funding else False
        extra = {
            lang: {w: r for w, r in words.items() if base.words.get(lang, {}).get(w) != r}
            for lang, words in self.words.items()
        }
        if any(extra.values()):
            out["words"] = {lang: dict(words) for lang, words in extra.items() if words}
        return out


_EN_ENGLAND = {
    "Cluster": "PCN", "cluster": "PCN", "Clusters": "PCNs", "clusters": "PCNs",
    "clustered": "in a PCN",
    "Clinic": "Practice", "clinic": "practice", "Clinics": "Practices", "clinics": "practices",
    "Clinic id": "Practice code", "clinic id": "practice code",
    "Municipality": "Sub-ICB location", "municipality": "sub-ICB location",
    "Municipalities": "Sub-ICB locations", "municipalities": "sub-ICB locations",
    "Region": "ICS", "region": "ICS", "Regions": "ICSs", "regions": "ICSs",
}  # fmt: skip
_DA_ENGLAND = {
    "Klynge": "PCN", "klynge": "PCN", "Klynger": "PCN'er", "klynger": "PCN'er",
    "Klyngen": "PCN'en", "klyngen": "PCN'en", "klyngens": "PCN'ens", "klyngerne": "PCN'erne",
    "Ydernummer": "Praksiskode", "naboklynger": "nabo-PCN'er", "naboklynge": "nabo-PCN",
    "Kommune": "CCG-område", "kommune": "CCG-område", "Kommuner": "CCG-områder",
    "kommuner": "CCG-områder", "kommunegrænsen": "CCG-grænsen", "kommunegrænser": "CCG-grænser",
    "kommunegrænserne": "CCG-grænserne", "Region": "ICS", "region": "ICS",
    "Regioner": "ICS'er", "regioner": "ICS'er", "regionerne": "ICS'erne",
}  # fmt: skip

#: Denmark: the planner's own words; the DAGI and Danish register column names.
DENMARK = Profile(
    "denmark",
    rules={"min_patients": 30_000},
    funding=Funding(BUDGET_PER_PATIENT_DKK, BUDGET_MIN_PER_CLUSTER_DKK, BUDGET_PER_GP_STARTUP_DKK),
)
#: England: Primary Care Networks of 30,000-50,000 registered patients; NHS Digital's
#: column names (practice code and name, registered patients, sub-ICB/CCG, ICS/STP).
ENGLAND = Profile(
    "england",
    rules={"min_patients": 30_000, "max_patients": 50_000, "max_hard": False},
    funding=None,
    words={"en": _EN_ENGLAND, "da": _DA_ENGLAND},
    aliases={
        "clinic_id": ("practice_code", "org_code", "code"),
        "name": ("practice_name", "org_name"),
        "patients": (
            "number_of_patients", "registered_patients", "list_size", "patients_jan2021",
            "total_patients",
        ),
        "municipality": ("ccg_code", "sub_icb_location_code", "sub_icb_code"),
        "region": ("stp_code", "ics_code", "icb_code"),
    },
)  # fmt: skip
PROFILES: dict[str, Profile] = {p.name: p for p in (DENMARK, ENGLAND)}


def get_profile(profile: str | Profile | None) -> Profile:
    """A profile by name (``None``: Denmark's), or the profile itself.

    >>> get_profile("England").name
    'england'
    """
    if isinstance(profile, Profile):
        return profile
    if profile is None:
        return DENMARK
    found = PROFILES.get(str(profile).strip().lower())
    if found is None:
        raise PlannerError(
            f"profile must be one of {', '.join(PROFILES)} (or a [profile] table in the "
            f"configuration), got {profile!r}"
        )
    return found


_FUNDING_KEYS = {"per_patient", "minimum", "per_gp_startup", "currency", "symbol"}
_PROFILE_KEYS = {"name", "base", "funding", "words", "min_patients", "max_patients"}


def profile_from_mapping(table: Mapping[str, Any], source: str = "<profile>") -> Profile:
    """A custom profile from a ``[profile]`` table::

        [profile]
        name = "norway"
        base = "denmark"                 # or england: its words, aliases and rules
        min_patients = 25000             # default rules (flags and [rules] still win)
        funding = { per_patient = 5.0, minimum = 150000, per_gp_startup = 0,
                    currency = "NOK", symbol = ["NOK", "kr."] }   # or false: none
        [profile.words.en]
        Cluster = "Cluster (legeklynge)"

    Raises
    ------
    ValidationError
        Every problem at once, naming ``profile.<key>``.

    >>> p = profile_from_mapping({"name": "wales", "base": "england", "min_patients": 25000})
    >>> p.rules["min_patients"], p.rules["max_patients"], p.words["en"]["Cluster"]
    (25000, 50000, 'PCN')
    """
    problems: list[Problem] = []

    def bad(key: str, message: str) -> None:
        problems.append(Problem(source, None, f"profile.{key}", message))

    for key in sorted(set(table) - _PROFILE_KEYS):
        bad(key, f"unknown key; known: {', '.join(sorted(_PROFILE_KEYS))}")
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        bad("name", f"must name the profile, got {name!r}")
        name = "custom"
    base_name = table.get("base", "denmark")
    if base_name not in PROFILES:
        bad("base", f"must be one of {', '.join(PROFILES)}, got {base_name!r}")
        base_name = "denmark"
    base = PROFILES[base_name]
    rules = dict(base.rules)
    for key in ("min_patients", "max_patients"):
        if key in table:
            value = table[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                bad(key, f"must be a whole number >= 1, got {value!r}")
            else:
                rules[key] = value
    funding = base.funding
    if "funding" in table:
        funding = _funding(table["funding"], bad)
    words = {lang: dict(base.words.get(lang, {})) for lang in ("en", "da")}
    given = table.get("words", {})
    if not isinstance(given, Mapping) or not all(
        lang in words and isinstance(w, Mapping) for lang, w in given.items()
    ):
        bad("words", "must be tables [profile.words.en] / [profile.words.da] of word = word")
    else:
        for lang, pairs in given.items():
            for word, replacement in pairs.items():
                if not isinstance(replacement, str) or not replacement.strip():
                    bad(f"words.{lang}.{word}", f"must be a word, got {replacement!r}")
                else:
                    words[lang][str(word)] = replacement
    if problems:
        raise ValidationError(problems)
    assert isinstance(name, str)
    return Profile(name.strip(), rules, funding, words, base.aliases, base=base_name)


def _funding(value: Any, bad: Any) -> Funding | None:
    if value is False:
        return None
    if not isinstance(value, Mapping):
        bad("funding", f"must be a table of {', '.join(sorted(_FUNDING_KEYS))} or false")
        return None
    unknown = sorted(set(value) - _FUNDING_KEYS)
    if unknown:
        bad(
            "funding",
            f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_FUNDING_KEYS))}",
        )
        return None
    symbol = value.get("symbol", [value.get("currency", "DKK")] * 2)
    try:
        return Funding(
            value.get("per_patient", 0.0),
            value.get("minimum", 0.0),
            value.get("per_gp_startup", 0.0),
            str(value.get("currency", "DKK")),
            (str(symbol[0]), str(symbol[-1])),
        )
    except (PlannerError, TypeError, IndexError) as exc:
        bad("funding", str(exc))
        return None


@functools.lru_cache(maxsize=64)
def _pattern(pairs: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    ordered = sorted((w for w, _ in pairs), key=len, reverse=True)
    return re.compile(rf"\b({'|'.join(re.escape(w) for w in ordered)})(?=(\w*))")


#: Danish words whose compounds keep their tail when replaced (``Klyngeforslag``).
_COMPOUNDS = {"klynge"}


def replace_words(text: str, words: Mapping[str, str]) -> str:
    """``text`` with each whole word of ``words`` replaced (longest first); a Danish
    compound of ``klynge`` keeps its tail (``Klyngeforslag`` -> ``PCN-forslag``).

    >>> replace_words("Clusters breaking a rule: 2 (regional)", ENGLAND.words["en"])
    'PCNs breaking a rule: 2 (regional)'
    >>> replace_words("Klyngeforslag for klyngen", ENGLAND.words["da"])
    "PCN-forslag for PCN'en"
    >>> replace_words("{region}: {n} clusters", ENGLAND.words["en"])
    '{region}: {n} PCNs'

    """
    if not words:
        return text
    pattern = _pattern(tuple(sorted(words.items())))

    def swap(match: re.Match[str]) -> str:
        word, tail = match.group(1), match.group(2)
        if not tail:
            return words[word]
        if word.lower() in _COMPOUNDS and tail.islower():
            return words[word] + "-"
        return word  # part of a longer word: left alone

    # A template's fields ("{region}") are names, never words to replace.
    pieces = re.split(r"(\{[^{}]*\})", text)
    return "".join(p if p.startswith("{") else pattern.sub(swap, p) for p in pieces)
