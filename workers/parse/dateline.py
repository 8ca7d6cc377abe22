"""Datelines and bylines: `ASTANA. KAZINFORM –`, `MOSCOW, June 26. /TASS/.`, `BAKU, Azerbaijan, Mar.29`.

A dateline is read left to right: a place, then any of a country, a date and an agency in the
forms agencies use, then a separator. Each step is one anchored regex, so the cost is linear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from workers.parse import dates

UP = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІÁǴŃÓÚÝÜÖÇŞİĞ"
LO = "a-zа-яёәғқңөұүһіáǵńóúýüöçşığ'’"
# News agencies and sites that sign datelines and bylines, as they are usually written.
AGENCIES = (
    "KAZAKHSTAN TODAY", "Kazakhstan Today", "Казахстан Сегодня", "KAZINFORM", "Kazinform", "Казинформ",
    "ҚазАқпарат", "QazAqparat", "Qazaqparat", "TASS", "ТАСС", "Trend News Agency", "Trend", "Тренд",
    "Interfax-Kazakhstan", "Интерфакс-Казахстан", "Interfax", "Интерфакс", "RIA Novosti", "РИА Новости",
    "Reuters", "AFP", "AP", "Xinhua", "Синьхуа", "KazTAG", "КазТАГ", "Tengrinews", "BelTA", "БЕЛТА",
    "UzA", "Kabar", "Кабар", "AKIpress", "АКИpress", "APA", "Report", "AZERTAC", "Azertac", "Sputnik",
    "Спутник", "Anadolu", "DPA", "EFE", "ANSA", "Yonhap", "Kyodo", "Bernama", "IRNA", "Dunya", "24KZ",
    "Khabar", "Хабар", "Astana Times", "Kazpravda", "Казправда",
)  # fmt: skip
_AGENCY_ALT = "|".join(re.escape(a) for a in sorted(AGENCIES, key=len, reverse=True))
_KNOWN = re.compile(rf"(?<!\w)(?:{_AGENCY_ALT})(?!\w)", re.IGNORECASE)
_KNOWN_ONLY = re.compile(rf"^(?:{_AGENCY_ALT})$", re.IGNORECASE)
_DOMAIN_END = re.compile(r"\.(?:az|kz|ru|com|uz|kg|org|net|info)$", re.IGNORECASE)

_CAPS_WORD = rf"[{UP}][{UP}'’]+(?:-[{UP}][{UP}'’]*)*"
_PLACE = re.compile(
    rf"(?P<caps>{_CAPS_WORD}(?: {_CAPS_WORD}){{0,3}})(?![{LO}])"
    rf"|(?P<title>[{UP}][{LO}]+(?:[- ][{UP}][{LO}]+){{0,2}})(?=[,.])"
)
_COUNTRY = re.compile(rf",\s*([{UP}][{LO}]+(?: [{UP}][{LO}]+)?)(?=\s*[,(])")
_DATES = (
    re.compile(rf"[,.]?\s*{dates.MONTH_DAY}(?:,?\s*(?:19|20)\d\d)?\.?", re.I),
    re.compile(rf"[,.]?\s*{dates.DAY_MONTH}(?:,?\s*(?:19|20)\d\d)?\.?", re.I),
    re.compile(r"[,.]?\s*(?P<day>\d{1,2})\.(?P<mon>\d{1,2})(?:\.(?:19|20)\d\d)?\.?(?=[\s/(])"),
)
_SLASH_AGENCY = re.compile(r"[.,]?\s*/\s*([^/\n]{2,30}?)\s*/\s*\.?")
_PAREN_AGENCY = re.compile(r"\s*\(\s*([^()\n]{2,30}?)\s*\)")
# After `.` (or after a date whose month abbreviation already took the dot): a known name, or caps.
_DOT_AGENCY = re.compile(
    rf"(?:\.\s*|(?<=\.)\s+)(?:(?P<known>(?i:{_AGENCY_ALT}))(?!\w)"
    rf"|(?P<caps>[{UP}][{UP}\-]+(?: [{UP}][{UP}\-]+){{0,2}})(?![{LO}\w]))"
)
# A hyphen counts as a dash only with a space before it: `COVID-19` is not `ASTANA - text`.
_DASH = re.compile(r"\s*[–—―]+\s*|\s+-+\s*")
_SEPARATOR = re.compile(r"\s*[–—―]+\s*|\s+-+\s*|\s*:\s+|\.\s+|\s+|\s*[.:]?\s*$")
# RIA style: `МОСКВА, 26 июня – РИА Новости.` names the agency after the dash.
_AGENCY_AFTER_DASH = re.compile(rf"(?P<agency>{_AGENCY_ALT})\.\s*", re.IGNORECASE)
_BYLINE = re.compile(r"^(?:by|автор|author|авторы|авторы материала)\b:?\s*(?P<who>.{2,80})$", re.IGNORECASE)
_AGENCY_SIGNATURE = re.compile(rf"^(?:.{{0,50}}[–—-]\s*)?(?P<who>{_AGENCY_ALT}):?$", re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    """A dateline found at the start of a paragraph."""

    place: str | None
    agency: str | None
    month: int | None
    day: int | None
    rest: str

    def date(self, reference: datetime | None) -> datetime | None:
        """The dateline's date in the reference (dump) year, if it states one."""
        if self.month is None or self.day is None or reference is None:
            return None
        return dates.with_year(self.month, self.day, reference)


@dataclass
class _State:
    pos: int
    country: str | None = None
    month: int | None = None
    day: int | None = None
    agency: str | None = None


def find(paragraph: str) -> Found | None:
    """The dateline opening this paragraph and the text after it, or None if it has none."""
    head = paragraph[:240]
    place = _PLACE.match(head)
    if not place:
        return None
    state = _State(pos=place.end())
    for _ in range(4):
        if not _step(head, state):
            break
    return _finish(paragraph, place, state)


def _step(text: str, state: _State) -> bool:
    """Consume one dateline part (country, date, agency) at state.pos; False when none is there."""
    country = _COUNTRY.match(text, state.pos) if state.country is None and state.month is None else None
    if country and dates.month_number(country.group(1)) is None:
        state.country, state.pos = country.group(1), country.end()
        return True
    if state.month is None and (m := _match_any(_DATES, text, state.pos)):
        groups = m.groupdict()
        month = int(groups["mon"]) if groups.get("mon") else dates.month_number(groups.get("month") or "")
        if month is not None and 1 <= month <= 12:
            state.month, state.day, state.pos = month, int(groups["day"]), m.end()
            return True
    if state.agency is None:
        for pattern in (_SLASH_AGENCY, _PAREN_AGENCY, _DOT_AGENCY):
            if m := pattern.match(text, state.pos):
                state.agency, state.pos = next(g for g in m.groups() if g), m.end()
                return True
    return False


def _match_any(patterns: tuple[re.Pattern[str], ...], text: str, pos: int) -> re.Match[str] | None:
    for pattern in patterns:
        if match := pattern.match(text, pos):
            return match
    return None


def _finish(paragraph: str, place: re.Match[str], state: _State) -> Found | None:
    separator = _SEPARATOR.match(paragraph, state.pos)
    if separator is None:
        return None
    dashed = bool(_DASH.fullmatch(separator.group()))
    rest = paragraph[separator.end() :]
    if dashed and state.agency is None and (m := _AGENCY_AFTER_DASH.match(rest)):
        state.agency, rest = m.group("agency"), rest[m.end() :]
    if not _plausible(place, state, dashed, rest=rest.strip()):
        return None
    return Found(place.group().strip(), state.agency, state.month, state.day, rest.strip())


def _plausible(place: re.Match[str], state: _State, dashed: bool, *, rest: str) -> bool:
    """Reject look-alikes: an acronym opening a sentence, a capitalised word before a comma."""
    dated = state.month is not None
    if place.group("title"):
        return dated or (state.agency is not None and _KNOWN.fullmatch(state.agency) is not None)
    if state.agency is not None or dated:
        return True
    # `ASTANA – The city...`: a bare place and a dash must open a new sentence, unlike
    # `KEGOC – the grid operator – said`.
    return dashed and bool(rest) and not rest[0].islower()


def byline(line: str) -> tuple[str | None] | None:
    """For a byline line (`By Trend`, `By Aisel Nurieva – Trend:`, `Автор: ...`), the agency it names
    (None if a person), wrapped in a 1-tuple; None when the line is not a byline."""
    line = line.strip()
    if len(line) > 90:
        return None
    if match := _AGENCY_SIGNATURE.match(line):
        return (match.group("who"),)
    if match := _BYLINE.match(line):
        who = match.group("who")
        if not who[0].isupper() or len(who.split()) > 6 or who.rstrip().endswith("."):
            return None
        known = _KNOWN.search(who)
        return (known.group() if known else None,)
    return None


def is_agency_name(text: str) -> bool:
    """True when the text is just the name of a news agency or site (`Kazinform`, `Trend.Az`)."""
    if len(text) > 40:
        return False
    text = _DOMAIN_END.sub("", text.strip().removesuffix(".").strip())
    return bool(_KNOWN_ONLY.match(text))
