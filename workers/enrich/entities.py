"""People and organisations: rule-based recognition over capitalised runs, mentions merged.

A run is a stretch of capitalised words (joined by `of`, `for`, `and` inside organisation names
and roles). Each run is cut into a role (`Foreign Minister`), an organisation (head word such as
`Ministry`, `Bank`, `министерство`, `министрлігі`), places and a name. A name is kept as a person
when the text backs it: a role, a reporting verb, a known first name, a surname shape, or a later
mention by surname alone. Mentions are merged by surname and reported once, in full.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from operator import itemgetter

from workers.enrich import lexicon, morph
from workers.enrich.gazetteer import Entry, Gazetteer
from workers.enrich.orgs import OrgContext
from workers.enrich.places import PlaceFinder
from workers.enrich.regions import find as places_regions
from workers.enrich.text import (
    WORD_CACHE,
    Token,
    fold,
    fold_aligned,
    is_cyrillic,
    is_cyrillic_word,
    is_word_char,
    sentence_starts,
    tokens,
)

_CONNECTORS = {" of ", " for ", " and ", " of the ", " for the ", " & ", " de "}
_CONNECTOR_LENGTHS = frozenset(map(len, _CONNECTORS))
_PORTFOLIO = frozenset(
    """foreign affairs energy trade integration justice health education science higher culture
    sport sports defence defense interior internal finance national economy economic agriculture
    industry infrastructure development digital information social protection labour labor
    population ecology natural resources emergency situations transport tourism the and
    communications innovation innovations aerospace water irrigation security planning budget
    investment investments strategic affairs human rights refugees migration women children
    youth family religion religious civil climate environment environmental minorities nuclear
    disarmament peace cooperation international relations european grand duchy republic
    kingdom federation united states general assembly telecommunications communication media
    housing construction utilities public services administration legal policy humanitarian
    tax taxes customs revenue competition consumer veterans gender equality""".split()
)
_SURNAME_SHAPE = re.compile(
    r"(ov|ev|yev|iyev|ova|eva|yeva|in|ina|uly|kyzy|ұлы|қызы|enko|sky|ski|skiy|skaya|vich|ovich|"
    r"ов|ев|ёв|ова|ева|ин|ина|ын|улы|кызы|енко|ский|ская|вич)$",
    re.IGNORECASE,
)


# The shape tests are regexes anchored at the end, tried at every letter of a word; words recur,
# so their answers are cached.
@lru_cache(maxsize=WORD_CACHE)
def _surname_shaped(word: str) -> bool:
    """'Tokayev', 'Сыздыкова', 'Zhaksylykuly': the word ends like a surname."""
    return _SURNAME_SHAPE.search(word) is not None


@lru_cache(maxsize=WORD_CACHE)
def _demonym(word: str) -> bool:
    """'Turkish', 'Kazakh': the word looks like a nationality adjective."""
    return _DEMONYM.search(word) is not None


_ACRONYM = re.compile(r"^[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][A-ZА-ЯЁӘҒҚҢӨҰҮҺІ0-9&]{1,7}$")
_KAZAKH_LETTERS = re.compile(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
_DEMONYM = re.compile(
    r"(?:ian|ean|ese|ish|i|ic)$|^(?:kazakh|uzbek|kyrgyz|tajik|turkmen|thai|swiss|dutch|czech)$", re.IGNORECASE
)
_POSSESSIVE = re.compile(r"['’]s?$")
_QUOTED_NAME = re.compile(r"(?P<kind>\b[\w-]+)\s+[«\"“](?P<name>[^»\"”\n]{2,40})[»\"”]")
_OPENING_QUOTE = re.compile(r"[«\"“]")
_TEXT = itemgetter(0)  # Token.text, .start, .capitalised and .bare, read in C
_START = itemgetter(1)
_CAPITALISED = itemgetter(3)
_BARE = itemgetter(4)
# Words that never start or make up a person's name (either list), tested in one look-up.
_NOT_NAME_WORDS = lexicon.NOT_NAMES | lexicon.STOP_CAPITALS
_APPOSITIVE = re.compile(r",\s+(?:the\s+|a\s+)?([^,.;:()«»\"“”\n]{3,90})[,.]")
_WORD = re.compile(r"\w+")
_KAZAKH_HEAD = re.compile(r"[әғқңөұүһі]|лігі|лиги")
_KAZAKH_LOWER = re.compile(r"[әғқңөұүһі]")
_QUOTE_AHEAD = re.compile(r"\s*[«\"“]")
_LEAD_WORD = re.compile(r"\w[\w-]*")
_ACRONYM_AFTER = re.compile(r"\s*\(([A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][\w&+-]{1,9})\)")
_ORG_KINDS = frozenset(
    """ао тоо ooo ооо пао зао ао нк нак рго оо компания компании корпорация холдинг банк
    фонд партия партии jsc llp company corporation party airline airlines холдинга
    компаниясы корпорациясы партиясы фонды""".split()
)

# Bodies named by one word or an acronym, which no head word gives away. value: expansion.
KNOWN_ORGS: dict[str, str | None] = {
    "UN": "United Nations",
    "United Nations": None,
    "EU": "European Union",
    "NATO": None,
    "OPEC": None,
    "OPEC+": None,
    "IMF": "International Monetary Fund",
    "WHO": "World Health Organization",
    "CSTO": "Collective Security Treaty Organization",
    "SCO": "Shanghai Cooperation Organisation",
    "CIS": "Commonwealth of Independent States",
    "EAEU": "Eurasian Economic Union",
    "OSCE": "Organization for Security and Co-operation in Europe",
    "UNESCO": None,
    "UNICEF": None,
    "WTO": "World Trade Organization",
    "ADB": "Asian Development Bank",
    "AIIB": None,
    "EBRD": "European Bank for Reconstruction and Development",
    "CICA": None,
    "OTS": "Organization of Turkic States",
    "BRICS": None,
    "ASEAN": None,
    "Kazinform": None,
    "TASS": None,
    "Reuters": None,
    "Trend": None,
    "Interfax": None,
    "Xinhua": None,
    "Kazatomprom": None,
    "KazMunayGas": None,
    "Samruk-Kazyna": None,
    "Air Astana": None,
    "Kaspi": None,
    "Halyk Bank": None,
    "Gazprom": None,
    "Rosatom": None,
    "Tengizchevroil": None,
    "Chevron": None,
    "Kremlin": None,
    "Akorda": None,
    "Amanat": None,
    "Google": None,
    "Apple": None,
    "Microsoft": None,
    "Tesla": None,
    "Boeing": None,
    "Airbus": None,
    "World Bank": None,
    "Kazakhstan Temir Zholy": None,
    "KTZ": "Kazakhstan Temir Zholy",
    "ООН": "Организация Объединенных Наций",
    "ЕС": "Европейский союз",
    "НАТО": None,
    "ОПЕК": None,
    "МВФ": "Международный валютный фонд",
    "ВОЗ": "Всемирная организация здравоохранения",
    "ОДКБ": "Организация Договора о коллективной безопасности",
    "ШОС": "Шанхайская организация сотрудничества",
    "СНГ": "Содружество Независимых Государств",
    "ЕАЭС": "Евразийский экономический союз",
    "ОБСЕ": None,
    "ЮНЕСКО": None,
    "ВТО": None,
    "ЕАБР": "Евразийский банк развития",
    "МИД": "Министерство иностранных дел",
    "ТАСС": None,
    "Казинформ": None,
    "Казатомпром": None,
    "Газпром": None,
    "Росатом": None,
    "Самрук-Казына": None,
    "Кремль": None,
    "Акорда": None,
    "Ақорда": None,
    "БҰҰ": "Біріккен Ұлттар Ұйымы",
    "ЕО": "Еуропалық одақ",
    "ҰҚШҰ": None,
    "Сбербанк": None,
    "Роскосмос": None,
    "Аманат": None,
    "Нацбанк": "Национальный банк",
    "Kaspi.kz": None,
    "Kazhydromet": None,
    "Казгидромет": None,
    "Қазгидромет": None,
    "Roscosmos": None,
    "Минэнерго": "Министерство энергетики",
    "МЧС": "Министерство по чрезвычайным ситуациям",
    "Минфин": "Министерство финансов",
    "Мажилис": None,
    "Mazhilis": None,
    "Majilis": None,
    "Мәжіліс": None,
    "Сенат": None,
    "Kazakhtelecom": None,
    "Казахтелеком": None,
    "Akimat": None,
    # Parliaments and governments of the region.
    "Jogorku Kenesh": None,
    "Жогорку Кенеш": None,
    "Oliy Majlis": None,
    "Олий Мажлис": None,
    "Milli Majlis": None,
    "Милли Меджлис": None,
    "Majlisi Oli": None,
    "Маджлиси Оли": None,
    "State Duma": None,
    "Госдума": "Государственная дума",
    "Государственная дума": None,
    "Federation Council": None,
    "Совет Федерации": None,
    "Verkhovna Rada": None,
    "Верховная рада": None,
    "Halk Maslahaty": None,
    "Mejlis": None,
    "Kurultai": None,
    "Құрылтай": None,
    "Qurultai": None,
    # UN agencies and other international bodies.
    "UNDP": "United Nations Development Programme",
    "ПРООН": "Программа развития ООН",
    "UNHCR": None,
    "УВКБ ООН": None,
    "UNFPA": None,
    "UNEP": None,
    "ЮНЕП": None,
    "UNCTAD": None,
    "UNIDO": None,
    "UNODC": None,
    "FAO": "Food and Agriculture Organization",
    "ФАО": None,
    "ILO": "International Labour Organization",
    "МОТ": "Международная организация труда",
    "IOM": "International Organization for Migration",
    "МОМ": "Международная организация по миграции",
    "IAEA": "International Atomic Energy Agency",
    "МАГАТЭ": None,
    "WFP": "World Food Programme",
    "ЮНИСЕФ": None,
    "ICAO": None,
    "IMO": None,
    "ITU": None,
    "OECD": None,
    "ОЭСР": None,
    "Interpol": None,
    "Интерпол": None,
    "Red Cross": None,
    "Красный Крест": None,
    "Eurasian Development Bank": None,
    "Islamic Development Bank": None,
    "New Development Bank": None,
    "Council of Europe": None,
    "European Commission": None,
    "European Parliament": None,
    "Еврокомиссия": "Европейская комиссия",
    "Europarliament": None,
    # Sports bodies.
    "IOC": "International Olympic Committee",
    "МОК": "Международный олимпийский комитет",
    "НОК": "Национальный олимпийский комитет",
    "FIFA": None,
    "ФИФА": None,
    "UEFA": None,
    "УЕФА": None,
    "FIBA": None,
    "AFC": "Asian Football Confederation",
    "WADA": None,
    "ВАДА": None,
    "РУСАДА": None,
    "Olympic Council of Asia": None,
    # National companies of the region and large companies often in its news.
    "QazaqGaz": None,
    "KazTransOil": None,
    "КазТрансОйл": None,
    "KEGOC": None,
    "КЕГОК": None,
    "Kazpost": None,
    "Казпочта": None,
    "Kazakhmys": None,
    "Kazzinc": None,
    "Казцинк": None,
    "ERG": "Eurasian Resources Group",
    "Eurasian Resources Group": None,
    "Freedom Holding": None,
    "Jusan Bank": None,
    "Bereke Bank": None,
    "Baiterek": None,
    "Байтерек": None,
    "KazAvtoZhol": None,
    "Uzbekneftegaz": None,
    "Узбекнефтегаз": None,
    "Uzbekistan Airways": None,
    "Turkish Airlines": None,
    "Aeroflot": None,
    "Аэрофлот": None,
    "Lukoil": None,
    "Лукойл": None,
    "Rosneft": None,
    "Роснефть": None,
    "Transneft": None,
    "Транснефть": None,
    "Russian Railways": None,
    "РЖД": "Российские железные дороги",
    "CNPC": "China National Petroleum Corporation",
    "Sinopec": None,
    "PetroChina": None,
    "Huawei": None,
    "Shell": None,
    "TotalEnergies": None,
    "ExxonMobil": None,
    "Eni": None,
    "Glencore": None,
    "ArcelorMittal": None,
    "Wildberries": None,
    "Ozon": None,
    "Yandex": None,
    "Яндекс": None,
    "Karachaganak Petroleum Operating": None,
    "North Caspian Operating Company": None,
    "NCOC": "North Caspian Operating Company",
}
_KNOWN_FOLDED = {fold(k): k for k in KNOWN_ORGS}
_KNOWN_MAX_WORDS = max(k.count(" ") + 1 for k in KNOWN_ORGS)
_KNOWN_FIRST = {k.split(" ", 1)[0] for k in _KNOWN_FOLDED}


@dataclass
class PersonMention:
    """One mention of a person: where it is and how it was written."""

    start: int
    end: int
    words: list[str]
    role: str | None = None
    evidence: int = 0
    feminine: bool = False  # a feminine verb next to it ('сказала'): '-ова' is then nominative


@dataclass
class Person:
    """A person with their mentions merged."""

    name: str
    surname_key: str
    role: str | None
    mentions: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Org:
    """An organisation with its mentions."""

    name: str
    acronym: str | None
    mentions: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Found:
    """What the recogniser found in one text."""

    persons: list[Person]
    orgs: list[Org]
    places: list[tuple[int, int, Entry]]
    regions: list[tuple[int, int, str]] = field(default_factory=list)
    subjects: list[tuple[int, Person]] = field(default_factory=list)

    def shifted(self, delta: int) -> Found:
        """The same findings with offsets moved by -delta (headline + body -> body offsets)."""
        people = {
            id(p): Person(p.name, p.surname_key, p.role, [(s - delta, e - delta) for s, e in p.mentions])
            for p in self.persons
        }
        orgs = [Org(o.name, o.acronym, [(s - delta, e - delta) for s, e in o.mentions]) for o in self.orgs]
        subjects = [(at - delta, people[id(p)]) for at, p in self.subjects]
        return Found(list(people.values()), orgs, [], [], subjects)

    def subject_before(self, offset: int, gender: str | None = None) -> Person | None:
        """Who 'he' or 'the minister' most likely is: the last subject or speaker, else the last named.

        With a gender ('she'), people whose name says the other gender are passed over.
        """
        fits = [(at, p) for at, p in self.subjects if at < offset and _gender_fits(p, gender)]
        best = max(fits, default=None, key=lambda x: x[0])
        return best[1] if best else self.last_person_before(offset, gender)

    def person_at(self, start: int, end: int) -> Person | None:
        """The person mentioned inside [start, end), if any (the first one)."""
        best: tuple[int, Person] | None = None
        for person in self.persons:
            for s, _e in person.mentions:
                if start <= s < end and (best is None or s < best[0]):
                    best = (s, person)
        return best[1] if best else None

    def org_at(self, start: int, end: int) -> Org | None:
        """The organisation mentioned inside [start, end), if any (the first one)."""
        best: tuple[int, Org] | None = None
        for org in self.orgs:
            for s, _e in org.mentions:
                if start <= s < end and (best is None or s < best[0]):
                    best = (s, org)
        return best[1] if best else None

    def last_person_before(self, offset: int, gender: str | None = None) -> Person | None:
        """The person most recently mentioned before the offset (of that gender, when given)."""
        best: tuple[int, Person] | None = None
        for person in self.persons:
            if not _gender_fits(person, gender):
                continue
            for s, _e in person.mentions:
                if s < offset and (best is None or s > best[0]):
                    best = (s, person)
        return best[1] if best else None


_PATRONYMIC = re.compile(r"(?:ovich|evich|ovna|evna|ichna|ович|евич|овна|евна|ична)$", re.IGNORECASE)
_FEMININE_SURNAME = re.compile(
    r"(?:ova|eva|yeva|ina|ya|aya|kyzy|qyzy|ова|ева|ёва|ина|ына|ая|яя|қызы|кызы)$", re.IGNORECASE
)
_MASCULINE_SURNAME = re.compile(
    r"(?:ov|ev|yev|in|yn|sky|skiy|iy|uly|ovich|evich|ов|ев|ёв|ин|ын|ский|ий|ый|ұлы|улы)$", re.IGNORECASE
)


_COMPOUND_TAILS = frozenset("based born headquartered registered bound owned made listed".split())
_CURRENCY_WORDS = frozenset("dollar dollars cent cents доллар доллара долларов dollar dollary".split())
_OPEN_MARKS = '«“"„'
_CLOSE_MARKS = '»”"'
# Latin-script Kazakh case and possessive endings, longest first ('Qazaqstannyń', 'Tashkenttegi').
_LATIN_KAZAKH_ENDINGS = sorted(
    """nyń niń dyń diń tyń tiń ǵa ge qa ke na ne da de ta te dan den tan ten nan nen daǵy degi
    taǵy tegi ndaǵy ndegi nda nde ny ni dy di ty ti men ben pen ǵy gi""".split(),
    key=len,
    reverse=True,
)


def _latin_kazakh_stems(word: str) -> list[str]:
    """The word without one Latin Kazakh ending, and without a doubled final consonant too."""
    low = word.lower()
    stems = []
    for ending in _LATIN_KAZAKH_ENDINGS:
        if low.endswith(ending) and len(low) - len(ending) >= 3:
            stem = word[: -len(ending)]
            stems.append(stem)
            if len(stem) > 3 and stem[-1] == stem[-2]:
                stems.append(stem[:-1])  # 'Qazaqstannyń': the n of -nyń doubles the stem's n
    return stems


_TITLE_IN_NAMES = frozenset({"premier", "president", "presidential", "champion", "champions", "general"})
_ADMIN_UNITS = (
    "аудан",
    "облыс",
    "ауыл",
    "район",
    "област",
    "district",
    "region",
    "village",
    "province",
    "oblast",
)
_NAMELIKE = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Abbr"})
_KAZAKH_LOCATIVE = re.compile(r"(?:нда|нде|ында|інде|да|де|та|те|дан|ден|тан|тен|нан|нен)$")


def _nominative_first_name(word: str, *, oblique: bool = False) -> bool:
    """'Сергей', 'Murat': a first name the dictionary knows, in the nominative (or any case)."""
    if fold(word) in lexicon.FIRST_NAMES:
        return True
    return is_cyrillic_word(word) and any(
        "Name" in p.tag and p.is_known and (oblique or "nomn" in p.tag) and p.score >= 0.3
        for p in morph.parses(word)[:4]
    )


def _kazakh_case_ending(word: str) -> bool:
    """True for a Kazakh locative/ablative form of a non-surname ('Олимпиадасында', 'Париждегі')."""
    m = _KAZAKH_LOCATIVE.search(word.lower())
    return m is not None and not _surname_shaped(word[: m.start()]) and len(word) - len(m.group()) >= 4


def person_gender(person: Person) -> str | None:
    """'f' or 'm' when the surname's ending says so (Slavic and Central Asian forms), else None."""
    surname = person.name.split()[-1]
    if _FEMININE_SURNAME.search(surname):
        return "f"
    return "m" if _MASCULINE_SURNAME.search(surname) else None


def _gender_fits(person: Person, gender: str | None) -> bool:
    if gender is None:
        return True
    found = person_gender(person)
    return found is None or found == gender


def _names_body_or_role(words: set[str]) -> bool:
    return not (words.isdisjoint(lexicon.ORG_HEADS) and words.isdisjoint(lexicon.ROLE_HEADS))


def _quoted_names(text: str) -> Iterator[re.Match[str]]:
    """The matches of _QUOTED_NAME.finditer(text), found without trying it at every word.

    A match is a [\\w-] run, white space, then an opening quote, so it can only start in the run
    just before a quote that follows white space. Only there is the pattern tried, at each offset
    of that run in turn as finditer would (the first that matches wins), and never before the end
    of the previous match: the same matches, non-overlapping, in the same order.
    """
    pos = 0
    for quote in _OPENING_QUOTE.finditer(text):
        q = quote.start()
        if q < pos:
            continue
        gap = q
        while gap > 0 and text[gap - 1].isspace():  # str.isspace is the same Unicode test as \s
            gap -= 1
        if gap == q:
            continue
        begin = gap
        while begin > pos and (is_word_char(text[begin - 1]) or text[begin - 1] == "-"):
            begin -= 1
        for at in range(begin, gap):
            m = _QUOTED_NAME.match(text, at)
            if m:
                yield m
                pos = m.end()
                break


def _capitalised_indices(toks: list[Token]) -> list[int]:
    """Indices of the capitalised tokens, in order (picked in C: most words are lower case)."""
    return list(compress(range(len(toks)), map(_CAPITALISED, toks)))


def _runs(text: str, toks: list[Token], caps: list[int]) -> list[list[Token]]:
    """Capitalised runs; connectors join a run to the next when the run names a body or role.

    caps: the indices of the capitalised tokens. A run is consecutive capitalised tokens joined by
    a space (or a no-break space), and a number right after a 'G' ('G 20') belongs to it.
    """
    runs: list[list[Token]] = []
    current: list[Token] = []
    last = -2  # index of current[-1]
    for k in caps:
        tok = toks[k]
        if current and (k != last + 1 or text[current[-1].end : tok.start] not in (" ", "\u00a0")):
            runs.append(current)
            current = []
        current.append(tok)
        last = k
        if tok.text == "G" and k + 1 < len(toks) and toks[k + 1].text[:1].isdigit():
            nxt = toks[k + 1]  # never capitalised itself, so not in caps
            if text[tok.end : nxt.start] not in (" ", "\u00a0"):
                runs.append(current)
                current = []
            current.append(nxt)
            last = k + 1
    if current:
        runs.append(current)
    merged: list[list[Token]] = []
    for run in runs:
        if merged:
            prev = merged[-1]
            # A gap no connector is as long as cannot be one: not worth cutting out of the text.
            width = run[0].start - prev[-1].end
            gap = text[prev[-1].end : run[0].start] if width in _CONNECTOR_LENGTHS else ""
            if gap in _CONNECTORS and _names_body_or_role({fold(t.text) for t in prev}):
                connector = [
                    Token(w, prev[-1].end + 1, prev[-1].end + 1 + len(w), False, w) for w in gap.split()
                ]
                merged[-1] = [*prev, *connector, *run]
                continue
        merged.append(run)
    return merged


@lru_cache(maxsize=WORD_CACHE)
def _known_by_lemma(word: str) -> bool:
    """'ООН' under a case ending ('Газпрома'): a dictionary form of the word is a known body."""
    return any(fold(lemma) in _KNOWN_FOLDED for lemma in morph.lemmas(word)[1:3])


@lru_cache(maxsize=WORD_CACHE)
def _is_role_word(word: str) -> bool:
    """'Minister', 'министра', 'министрі': a title or role noun in any case form."""
    if fold(word) in lexicon.ROLE_HEADS:
        return True
    if is_cyrillic_word(word):
        return any(lemma in lexicon.ROLE_HEADS for lemma in morph.lemmas(word)[1:3])
    return False


class _Recogniser:
    """One pass over one text."""

    def __init__(self, text: str, language: str | None, gaz: Gazetteer, place_at: PlaceLookup) -> None:
        self.text = text
        self.language = language
        self.gaz = gaz
        self.place_at = place_at
        self.toks = tokens(text)
        self.folded = fold_aligned(text)
        self._heads: list[int] | None = None  # see _lowercase_heads
        self._headless_runs: dict[int, tuple[list[Token], bool]] = {}  # see _headless
        self.tok_starts = list(map(_START, self.toks))
        self.caps = _capitalised_indices(self.toks)
        self.starts = sentence_starts(text)
        self.start_set = set(self.starts)
        self.person_mentions: list[PersonMention] = []
        self.org_mentions: list[tuple[int, int, str, str | None]] = []
        self.places: list[tuple[int, int, Entry]] = []
        self.taken: list[tuple[int, int]] = []
        self.regions: list[tuple[int, int, str]] = []

    # -- helpers -----------------------------------------------------------------------------
    def _free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self.taken)

    def _role_before(self, start: int) -> str | None:
        """A role written just before a name: 'Kremlin spokesman', 'министр иностранных дел РК'."""
        line_start = self.text.rfind("\n", 0, start) + 1
        begin_at = max(line_start, start - 80)  # the window text[begin_at:start]
        if begin_at < start and self.text[start - 1] != " ":
            return None
        # The words of the window: the article's tokens inside it, and first the tail of a word
        # the window starts inside, if any. That tail is tokenised only when the walk back
        # below can reach it: within the last 6 words, or by the role's leading words.
        words, cut = self._words_before(begin_at, start)
        if cut is not None and len(words) <= 6:
            words, cut = self._cut_words(begin_at, start, cut) + words, None
        text = self.text
        k = len(words) - 1
        while k >= 0 and len(words) - k <= 6:
            word = fold(words[k].text)
            gap = text[words[k].end : words[k + 1].start if k + 1 < len(words) else start]
            if gap.strip(" -–—"):
                return None  # punctuation between the role and the name: not this name's role
            if _is_role_word(words[k].text):
                begin = k
                while True:
                    if begin == 0 and cut is not None:
                        extra = self._cut_words(begin_at, start, cut)
                        words, begin, cut = extra + words, len(extra), None
                    if not (
                        begin > 0
                        and text[words[begin - 1].end : words[begin].start] == " "
                        and (
                            fold(words[begin - 1].text) in lexicon.ROLE_MODIFIERS
                            or (
                                words[begin - 1].capitalised
                                and fold(words[begin - 1].text) not in lexicon.STOP_CAPITALS
                            )
                        )
                    ):
                        break
                    begin -= 1
                return text[words[begin].start : start].strip(" ,")
            if not (
                word in lexicon.ROLE_MODIFIERS
                or word in _PORTFOLIO
                or word in ("of", "for")
                or words[k].capitalised
                or (is_cyrillic_word(word) and morph.is_genitive_phrase_word(words[k].text))
            ):
                return None
            k -= 1
        return None

    def _words_before(self, begin: int, end: int) -> tuple[list[Token], Token | None]:
        """The article's tokens inside text[begin:end], and the token the window starts inside.

        With _cut_words in front, these are tokens(text[begin:end]) with the article's offsets.
        """
        lo = bisect_left(self.tok_starts, begin)
        hi = bisect_left(self.tok_starts, end, lo)
        words = self.toks[lo:hi]
        if words and words[-1].end > end:
            words.pop()  # tokens do not overlap: only the last can run past the window
        cut = self.toks[lo - 1] if lo and self.toks[lo - 1].end > begin else None
        return words, cut

    def _cut_words(self, begin: int, end: int, cut: Token) -> list[Token]:
        """The tokens of the part of `cut` inside text[begin:end] (the window sees only its tail)."""
        piece = tokens(self.text[begin : min(cut.end, end)])
        return [Token(t.text, t.start + begin, t.end + begin, t.capitalised, t.bare) for t in piece]

    def _role_after(self, end: int) -> str | None:
        """An appositive role: 'Murat Nurtleu, Minister of Foreign Affairs, said'."""
        if self.text[end : end + 1] != ",":
            return None  # what _APPOSITIVE starts with
        m = _APPOSITIVE.match(self.text, end, end + 100)
        if not m:
            return None
        phrase = m.group(1).strip()
        words = phrase.split()
        if not words or len(words) > 10:
            return None
        lead = {fold(w) for w in words[:3]}
        return phrase if lead & lexicon.ROLE_HEADS else None

    def _speech_near(self, start: int, end: int) -> bool:
        return not lexicon.SPEECH_VERBS.keys().isdisjoint(self._words_around(start, end, 25, 30))

    def _words_around(self, start: int, end: int, before: int, after: int) -> list[str]:
        """The folded words of text[start - before : start] and of text[end : end + after].

        Words are \\w runs, cut at the window's edges. Read from the folded text when it has
        the text's offsets (findall with pos and endpos cuts the same words the slices would).
        """
        begin = max(0, start - before)
        if self.folded is not None:
            return _WORD.findall(self.folded, begin, start) + _WORD.findall(self.folded, end, end + after)
        around = self.text[begin:start] + " " + self.text[end : end + after]
        # fold() per word, not of this one-off window, so its cache holds words, not windows.
        return list(map(fold, _WORD.findall(around)))

    # -- passes ------------------------------------------------------------------------------
    def run(self) -> None:
        self._quoted_orgs()
        self._context_orgs()
        self._regions()
        for run in _runs(self.text, self.toks, self.caps):
            self._classify(run)
        self._kazakh_orgs()
        self._russian_lowercase_orgs()
        self._lone_places()

    def _context_orgs(self) -> None:
        """Bodies given away by their context alone ('the Turkish company Yapi Merkezi')."""
        found = OrgContext(self.text, self.toks, self._place_kind, self._person_word).run()
        for start, end, name in found:
            if self._free(start, end):
                self.org_mentions.append((start, end, name, None))
                self.taken.append((start, end))

    def _place_kind(self, words: list[str]) -> str | None:
        entry = self.place_at.longest(tuple(words))[1] if words else None
        n = self.place_at.longest(tuple(words))[0] if entry else 0
        return entry.kind if entry is not None and n == len(words) else None

    def _person_word(self, word: str) -> bool:
        return (
            fold(word) in lexicon.FIRST_NAMES
            or _is_role_word(word)
            or fold(word) in lexicon.ROLE_MODIFIERS
            or (is_cyrillic_word(word) and morph.has_tag(word, "Name"))
        )

    def _quoted_orgs(self) -> None:
        """'компания «Самрук-Казына»', 'JSC "Kazakhtelecom"': a kind noun, then a quoted name."""
        for m in _quoted_names(self.text):
            if fold(m.group("kind")) in _ORG_KINDS and len(m.group("name").split()) <= 4:
                self.org_mentions.append((m.start("name"), m.end("name"), m.group("name").strip(), None))
                self.taken.append((m.start("name"), m.end("name")))

    def _classify(self, run: list[Token]) -> None:
        i = 0
        while i < len(run) and (
            (fold(run[i].text) in lexicon.STOP_CAPITALS and not _is_role_word(run[i].text))
            or (i == 0 and len(run) > 1 and self._common_sentence_start(run[0]))
        ):
            i += 1
        role_words: list[Token] = []
        while i < len(run):
            tok = run[i]
            if not self._free(tok.start, tok.end):
                i += 1
                continue
            known = self._known_org(run, i)
            if known:
                head = self._org_head(run, i + known) if i + known < len(run) else None
                end = self._org_end(run, head) if head is not None else i + known
                self._add_org(run[i:end], known=True)
                i = end
                continue
            place_len = self._place_len(run, i)
            head = self._org_head(run, i)
            if head is not None and not (place_len and i + place_len > head):
                i, keep_role = self._headed_org(run, i, head, role_words)
                role_words = role_words if keep_role else []
                continue
            if self._starts_role(run, i):
                role_words.append(tok)
                i = self._role_complement(run, i + 1, role_words)
                continue
            if place_len and not self._place_is_name(run, i, place_len, role_words):
                if role_words:
                    role_words.extend(run[i : i + place_len])
                i += place_len
                continue
            name_end = self._name_end(run, i)
            self._add_person(run[i:name_end], role_words)
            role_words = []
            i = name_end

    def _headed_org(self, run: list[Token], i: int, head: int, role_words: list[Token]) -> tuple[int, bool]:
        """Take the body whose head word is run[head]; (where to go on, whether role words still apply)."""
        if _KAZAKH_LETTERS.search(run[head].text) or self.language == "kk":
            if head > i and _surname_shaped(run[head - 1].text):
                self._add_person(run[i:head], role_words)
            return head + 1, False  # Kazakh names end in their head: found by _kazakh_orgs
        if is_cyrillic_word(run[head].text) and head == len(run) - 1:
            self._cyrillic_org(run[i], run[head])
            return head + 1, True
        end = self._org_end(run, head)
        self._add_org(run[i:end])
        return end, False

    def _starts_role(self, run: list[Token], i: int) -> bool:
        """run[i] is a role word, or a modifier or demonym leading to one ('Foreign Minister')."""
        text = run[i].text
        return _is_role_word(text) or bool(
            (fold(text) in lexicon.ROLE_MODIFIERS or _demonym(text)) and self._role_follows(run, i)
        )

    def _role_follows(self, run: list[Token], i: int) -> bool:
        for tok in run[i + 1 : i + 4]:
            if _is_role_word(tok.text):
                return True
            if fold(tok.text) not in lexicon.ROLE_MODIFIERS:
                return False
        return False

    def _role_complement(self, run: list[Token], i: int, role_words: list[Token]) -> int:
        """Extend a role over 'of Foreign Affairs of Kazakhstan', 'of the Senate', 'Казахстана'."""
        while i < len(run):
            word = fold(run[i].text)
            if _is_role_word(run[i].text) or word in lexicon.ROLE_MODIFIERS:
                role_words.append(run[i])
                i += 1
                continue
            if word in ("of", "for", "the", "and") and i + 1 < len(run):
                j = self._complement_end(run, i + 1)
                if j > i + 1:
                    role_words.extend(run[i:j])
                    i = j
                    continue
            if is_cyrillic_word(run[i].text) and i + 1 < len(run):
                n = self._place_len(run, i) or self._known_org(run, i)
                if n and i + n < len(run):
                    role_words.extend(run[i : i + n])
                    i += n
                    continue
            break
        return i

    def _complement_end(self, run: list[Token], j: int) -> int:
        """Where 'Foreign Affairs', 'the Management Board', 'the European Union' after 'of' ends."""
        start = j
        while j < len(run):
            word = fold(run[j].text)
            if word in _PORTFOLIO or word in ("of", "for", "the", "and"):
                j += 1
                continue
            known = self._known_org(run, j)
            if known:
                self._add_org(run[j : j + known], known=True)
                j += known
                continue
            n = self._place_len(run, j)
            if n and not self._place_is_name(run, j, n, run[:1]):
                j += n
                continue
            head = self._org_head(run, j)
            if head is not None:
                if head > j and fold(run[head].text) not in ("board", "office", "department", "service"):
                    self._add_org(run[j : head + 1])
                j = head + 1
                continue
            break
        while j > start and fold(run[j - 1].text) in ("of", "for", "the", "and"):
            j -= 1
        return j

    def _known_org(self, run: list[Token], i: int) -> int:
        word = run[i].text
        # fold() of the joined words is the folded words joined, so a known name can only start
        # with this word when its folded form is a known first word.
        if fold(run[i].bare) in _KNOWN_FIRST:
            for n in range(min(_KNOWN_MAX_WORDS, len(run) - i), 0, -1):
                name = " ".join(t.bare for t in run[i : i + n])
                if fold(name) in _KNOWN_FOLDED:
                    return n
        if is_cyrillic_word(word) and _known_by_lemma(word):
            return 1
        return 0

    def _known_name(self, word: str) -> str | None:
        if fold(word) in _KNOWN_FOLDED:
            return _KNOWN_FOLDED[fold(word)]
        if is_cyrillic_word(word):
            for lemma in morph.lemmas(word)[1:3]:
                if fold(lemma) in _KNOWN_FOLDED:
                    return _KNOWN_FOLDED[fold(lemma)]
        return None

    def _org_head(self, run: list[Token], i: int) -> int | None:
        """Index of the organisation head word the name starting at i ends (or starts) with."""
        if self._headless(run) or lexicon.ORG_HEADS.isdisjoint(map(fold, map(_BARE, run[i : i + 6]))):
            return None  # no head word within reach: the loop below would find none
        for j in range(i, min(len(run), i + 6)):
            word = fold(run[j].bare)
            if word in lexicon.ORG_HEADS:
                # 'Premier League': a title word right before the head is part of the name.
                if any(_is_role_word(t.text) for t in run[i : j - 1]) or (
                    j > i and _is_role_word(run[j - 1].text) and fold(run[j - 1].text) not in _TITLE_IN_NAMES
                ):
                    return None
                return j
            if j > i and not run[j].capitalised and word not in ("of", "for", "and", "the"):
                return None
        return None

    def _headless(self, run: list[Token]) -> bool:
        """True when no word of the run is an organisation head word (most runs), known per run.

        Keyed by the list's id, the list kept beside its answer so that the id cannot be reused
        by another list while this text is read.
        """
        known = self._headless_runs.get(id(run))
        if known is None or known[0] is not run:
            known = (run, lexicon.ORG_HEADS.isdisjoint(map(fold, map(_BARE, run))))
            self._headless_runs[id(run)] = known
        return known[1]

    def _org_end(self, run: list[Token], head: int) -> int:
        end = head + 1
        while end < len(run):
            word = fold(run[end].text)
            if word in ("of", "for", "and", "the", "&") and end + 1 < len(run):
                end += 1
                continue
            if _is_role_word(run[end].text) or is_cyrillic_word(run[end].text):
                break
            if self._looks_like_name_start(run, end) and fold(run[end - 1].text) not in (
                "of",
                "for",
                "and",
                "the",
            ):
                break
            if (
                fold(run[end - 1].text) not in ("of", "for", "and", "the")
                and fold(run[end].text) not in lexicon.ORG_HEADS
            ):
                break
            end += 1
        while end > head + 1 and fold(run[end - 1].text) in ("of", "for", "and", "the", "&"):
            end -= 1
        return end

    def _cyrillic_org(self, first: Token, head: Token) -> None:
        """'Министерство энергетики РК', 'Министерстве экологии и природных ресурсов'."""
        k = next(n for n, t in enumerate(self.toks) if t.start == head.start)
        end = k + 1
        while end < len(self.toks) and end - k <= 6:
            nxt = self.toks[end]
            if self.text[self.toks[end - 1].end : nxt.start] != " ":
                break
            low = fold(nxt.text)
            if (
                low == "и"
                and end + 1 < len(self.toks)
                and morph.is_genitive_phrase_word(self.toks[end + 1].text)
            ):
                end += 1
                continue
            if (
                low == "по"
                and end + 1 < len(self.toks)
                and morph.is_dative_phrase_word(self.toks[end + 1].text)
            ):
                # 'Министерство по чрезвычайным ситуациям', 'суд по уголовным делам'
                end += 1
                while end + 1 < len(self.toks) and morph.is_dative_phrase_word(self.toks[end + 1].text):
                    end += 1
                end += 1
                continue
            if (nxt.capitalised and (self._place_len([nxt], 0) or _ACRONYM.match(nxt.text))) or (
                not nxt.capitalised
                and morph.is_genitive_phrase_word(nxt.text)
                and low not in lexicon.STOP_CAPITALS
            ):
                end += 1
                continue
            break
        start_off, end_off = first.start, self.toks[end - 1].end
        if end == k + 1 and first.start == head.start:
            return  # a bare 'Министерство' names no particular body
        if self._free(start_off, end_off):
            self.org_mentions.append((start_off, end_off, self.text[start_off:end_off], None))
            self.taken.append((start_off, end_off))

    def _looks_like_name_start(self, run: list[Token], i: int) -> bool:
        return fold(run[i].text) in lexicon.FIRST_NAMES or (
            is_cyrillic_word(run[i].text) and morph.has_tag(run[i].text, "Name")
        )

    def _place_len(self, run: list[Token], i: int) -> int:
        return self.place_at.longest(tuple([t.bare for t in run[i : i + 4]]))[0]

    def _place_is_name(self, run: list[Token], i: int, n: int, role_words: list[Token]) -> bool:
        """'Jordan' in 'Michael Jordan', 'Roman' in 'Roman Sklyar', 'Серик' in 'Серик Жумангарин'."""
        if i > 0 and run[i - 1].capitalised and fold(run[i - 1].text) in lexicon.FIRST_NAMES:
            return True
        entry = self.place_at([t.bare for t in run[i : i + n]])
        if entry is None or entry.kind == "country" or entry.curated:
            return False
        if entry.population >= 1_000_000 and not role_words:
            return False
        if i + n < len(run):
            nxt = run[i + n]
            word = fold(nxt.text)
            if (
                not self._place_len(run, i + n)
                and word not in lexicon.ORG_HEADS
                and word not in lexicon.NOT_NAMES
                and not _is_role_word(nxt.text)
                and nxt.text[:1].isupper()
                and not nxt.text.isupper()
            ):
                return True
        return bool(role_words) and n == 1 and _surname_shaped(run[i].text)

    def _name_end(self, run: list[Token], i: int) -> int:
        end = i + 1
        while end < len(run) and end - i < 4:
            word = fold(run[end].text)
            if not run[end].capitalised or _is_role_word(run[end].text) or word in lexicon.ORG_HEADS:
                break
            if self._known_org(run, end):
                break
            if self._next_name_starts(run, end) or self._admin_unit_follows(run[end]):
                break
            single_first = end - i == 1 and (
                fold(run[i].text) in lexicon.FIRST_NAMES
                or (is_cyrillic_word(run[i].text) and morph.has_tag(run[i].text, "Name"))
            )
            if self._place_len(run, end) and not single_first and not _surname_shaped(run[end].text):
                break
            end += 1
        return end

    def _next_name_starts(self, run: list[Token], k: int) -> bool:
        """'Костенко Виктора Ланге': a first name followed by a surname starts another person."""
        return (
            k + 1 < len(run)
            and run[k + 1].capitalised
            and _nominative_first_name(run[k].text, oblique=True)
            and not _PATRONYMIC.search(run[k + 1].text)
            and not _nominative_first_name(run[k - 1].text)
        )

    def _admin_unit_follows(self, tok: Token) -> bool:
        """'Қарғалы ауданындағы', 'Kurchum district': the word names a district, not a person."""
        return self._admin_unit_follows_at(tok.end)

    def _admin_unit_follows_at(self, end: int) -> bool:
        if self.text[end : end + 1] != " ":
            return False
        nxt = _LEAD_WORD.match(self.text, end + 1, end + 30)
        return nxt is not None and fold(nxt.group()).startswith(_ADMIN_UNITS)

    def _add_org(self, words: list[Token], *, known: bool = False) -> None:
        if not words:
            return
        start, end = words[0].start, words[-1].end
        name = self.text[start:end]
        name = _POSSESSIVE.sub("", name) if name.endswith(("'s", "’s")) else name
        if not known and (fold(name) in lexicon.STOP_CAPITALS or fold(name) in lexicon.ORG_HEADS):
            return
        if known and len(words) == 1:
            name = self._known_name(name) or name
            expansion = KNOWN_ORGS.get(name)
            if expansion and not _ACRONYM.match(name):
                name = expansion  # a short form: 'Нацбанк' is the National Bank
        self.org_mentions.append((start, end, name, None))
        self.taken.append((start, end))

    def _add_person(self, words: list[Token], role_words: list[Token]) -> None:
        if not words:
            return
        start, end = words[0].start, words[-1].end
        texts = [t.bare for t in words]
        if not self._could_be_name(start, texts):
            return
        role = self.text[role_words[0].start : role_words[-1].end] if role_words else None
        role = role or self._role_before(start)
        after = self._role_after(end)
        evidence = self._name_evidence(start, end, texts) + (2 if role else 0)
        if after:
            evidence += 2
            role = role or after
        feminine = is_cyrillic_word(texts[-1]) and self._feminine_verb_near(start, end)
        self.person_mentions.append(PersonMention(start, end, texts, role, evidence, feminine))

    def _feminine_verb_near(self, start: int, end: int) -> bool:
        """A Russian past-tense reporting verb in the feminine ('сказала') next to the name."""
        verbs = [w for w in self._words_around(start, end, 60, 40) if w in lexicon.SPEECH_VERBS]
        return bool(verbs) and all(v.endswith("ла") for v in verbs if is_cyrillic_word(v))

    def _common_sentence_start(self, tok: Token) -> bool:
        """'Поезд Afrosiyob', 'Завод ...': a Russian word capitalised only by the sentence start.

        pymorphy3 knows every reading of it and none is a name, a place or a title.
        """
        if tok.start not in self.start_set or not is_cyrillic_word(tok.text) or _is_role_word(tok.text):
            return False
        if fold(tok.text) in lexicon.ORG_HEADS or self._known_name(tok.text):
            return False
        found = morph.parses(tok.text)[:3]
        return bool(found) and all(p.is_known and not (_NAMELIKE & set(p.tag.grammemes)) for p in found)

    def _could_be_name(self, start: int, texts: list[str]) -> bool:
        """False for stop words, acronyms, numbers, region names and a lone demonym or adjective."""
        if not _NOT_NAME_WORDS.isdisjoint(map(fold, texts)):
            return False
        if any(w.isupper() and len(w) > 1 for w in texts) or any(map(str.isdigit, "".join(texts))):
            return False
        if any(s <= start < e for s, e, _ in self.regions):
            return False
        if len(texts) == 1 and self._admin_unit_follows_at(start + len(texts[0])):
            return False
        if self.language == "kk" and _kazakh_case_ending(texts[-1]):
            return False  # 'Олимпиадасында', 'Келесі Олимпиадада': a name is rarely in these cases
        return not (
            len(texts) == 1
            and (_demonym(texts[0]) or (is_cyrillic_word(texts[0]) and morph.is_adjective(texts[0])))
        )

    def _name_evidence(self, start: int, end: int, texts: list[str]) -> int:
        """How strongly the words and their context say 'person' (roles are counted by the caller)."""
        evidence = 2 if self._speech_near(start, end) else 0
        if fold(texts[0]) in lexicon.FIRST_NAMES:
            evidence += 2
        if len(texts) >= 2:
            evidence += 1
            if _surname_shaped(texts[-1]):
                evidence += 1
            if is_cyrillic_word(texts[0]) and (
                morph.has_tag(texts[0], "Name") or morph.has_tag(texts[-1], "Surn")
            ):
                evidence += 2
        elif start in self.start_set:
            evidence -= 1
        return evidence

    def _kazakh_orgs(self) -> None:
        """Kazakh names end in their head word: 'Сыртқы істер министрлігі', 'Ұлттық банкі'."""
        if self.language != "kk" and not _KAZAKH_LETTERS.search(self.text):
            return
        for k in self._lowercase_heads():
            tok = self.toks[k]
            if not _KAZAKH_HEAD.search(tok.text):
                continue
            begin = k
            while (
                begin > 0
                and k - begin < 5
                and self.text[self.toks[begin - 1].end : self.toks[begin].start] == " "
            ):
                begin -= 1
                if self.toks[begin].capitalised:
                    while (
                        begin > 0
                        and self.toks[begin - 1].capitalised
                        and self.text[self.toks[begin - 1].end : self.toks[begin].start] == " "
                    ):
                        begin -= 1
                    break
            else:
                continue
            if self.toks[begin].capitalised and self._free(self.toks[begin].start, tok.end):
                self.org_mentions.append(
                    (self.toks[begin].start, tok.end, self.text[self.toks[begin].start : tok.end], None)
                )
                self.taken.append((self.toks[begin].start, tok.end))

    def _russian_lowercase_orgs(self) -> None:
        """'Национальный банк Казахстана': a capitalised adjective before a lower-case head word."""
        if not is_cyrillic(self.text[:2000]):
            return
        for k in self._lowercase_heads():
            tok = self.toks[k]
            if k == 0 or not is_cyrillic_word(tok.text):
                continue
            if _QUOTE_AHEAD.match(self.text, tok.end, tok.end + 3):
                continue  # 'компания «КазМунайГаз»': the quoted name is the body
            begin = self._adjectives_before(k)
            if begin == k:
                continue
            self._cyrillic_org(self.toks[begin], tok)

    def _lowercase_heads(self) -> list[int]:
        """Indices of the lower-case tokens that are organisation head words ('министрлігі', 'банк').

        Picked in C over all the tokens (fold and the set test mapped), once per text.
        """
        if self._heads is None:
            words = map(fold, map(_TEXT, self.toks))
            heads = compress(range(len(self.toks)), map(lexicon.ORG_HEADS.__contains__, words))
            self._heads = [k for k in heads if not self.toks[k].capitalised]
        return self._heads

    def _adjectives_before(self, k: int) -> int:
        """Where 'Национального олимпийского' before toks[k] starts: the first adjective capitalised."""
        begin, first_capital = k, k
        while (
            begin > 0
            and k - begin < 4
            and morph.is_attribute(self.toks[begin - 1].text)
            and self.text[self.toks[begin - 1].end : self.toks[begin].start] == " "
        ):
            begin -= 1
            if self.toks[begin].capitalised:
                first_capital = begin
        return first_capital

    def _regions(self) -> None:
        self.regions.extend(places_regions(self.text))

    def _lone_places(self) -> None:
        """Places the runs did not claim; inside a body's name only after 'of' ('Bank of China' is)."""
        person_spans = [(m.start, m.end) for m in self.person_mentions if m.evidence >= 2]
        surnames = {fold(m.words[-1]) for m in self.person_mentions if m.evidence >= 2 and len(m.words) > 1}
        org_spans = [(s, e) for s, e, _, _ in self.org_mentions]
        region_spans = [(s, e) for s, e, _ in self.regions]
        blocked = person_spans + region_spans
        toks, text = self.toks, self.text
        # A Latin word that starts no gazetteer name of several words can only be a place alone,
        # whatever follows it, unless a Cyrillic word follows (see places._longest): in a text
        # without Cyrillic its window of following words need not be built.
        any_cyrillic = is_cyrillic(text)  # any Cyrillic letter in the text
        first_words = self.gaz.first_words
        i = 0  # the next token not yet claimed
        for i_cap in self.caps:
            if i_cap < i:
                continue
            i = i_cap
            tok = toks[i]
            if not any_cyrillic and fold(tok.bare) not in first_words:
                n, entry = self.place_at.longest((tok.bare,))
            else:
                # The window: up to 4 words joined by a space or hyphen, capitalised or 'of'/'and'.
                j = i + 1
                while (
                    j < len(toks)
                    and j - i < 4
                    and text[toks[j - 1].end : toks[j].start] in (" ", "-")
                    and (toks[j].capitalised or fold(toks[j].text) in ("of", "and"))
                ):
                    j += 1
                n, entry = self.place_at.longest(tuple([t.bare for t in toks[i:j]]))
            end = toks[i + n - 1].end if entry is not None else tok.end
            if entry is None:
                if "-" not in tok.bare and self.language != "kk":
                    i += 1  # _place_form finds nothing without a hyphen or a Kazakh ending
                    continue
                n, entry, end = self._place_form(tok)
            if entry is not None:
                start = tok.start
                if (
                    not any(s <= start < e for s, e in blocked)
                    and not (n == 1 and fold(tok.bare) in surnames)
                    and self._inside_org_ok(start, org_spans)
                    and self._context_ok(i, n, entry)
                    and not self._not_a_place_use(start, end)
                ):
                    self.places.append((start, end, entry))
            i += max(n, 1)

    def _place_form(self, tok: Token) -> tuple[int, Entry | None, int]:
        """A place inside a compound ('Dubai-based') or under a Latin Kazakh ending ('Tashkenttegi')."""
        head, dash, tail = tok.bare.rpartition("-")
        if dash and fold(tail) in _COMPOUND_TAILS:
            entry = self.place_at([head])
            return (1, entry, tok.start + len(head)) if entry else (0, None, tok.end)
        if self.language == "kk" and not is_cyrillic_word(tok.text):
            for stem in _latin_kazakh_stems(tok.bare):
                entry = self.place_at([stem])
                if entry is not None:
                    return 1, entry, tok.end
        return 0, None, tok.end

    def _not_a_place_use(self, start: int, end: int) -> bool:
        """'US dollars' (a currency), '“Eurasia” festival' (a title in quotes) name no place."""
        nxt = _LEAD_WORD.match(self.text, end + 1, end + 20)
        if self.text[end : end + 1] == " " and nxt and fold(nxt.group()) in _CURRENCY_WORDS:
            return True
        return start > 0 and self.text[start - 1] in _OPEN_MARKS and self.text[end : end + 1] in _CLOSE_MARKS

    def _inside_org_ok(self, start: int, org_spans: list[tuple[int, int]]) -> bool:
        for s, e in org_spans:
            if s <= start < e:
                before = self.text[s:start]
                return start > s and (before.endswith((" of ", " of the ")) or is_cyrillic(before))
        return True

    def _context_ok(self, i: int, n: int, entry: Entry) -> bool:
        """A lone capitalised word that is a town's name only counts in a place-like context."""
        main_name = fold(entry.name) == fold(self.toks[i].bare)
        if entry.kind == "country" or entry.curated or n > 1 or (main_name and entry.population >= 300_000):
            return True
        before = fold(self.text[max(0, self.toks[i].start - 12) : self.toks[i].start])
        words = before.split()
        return bool(words) and words[-1] in {
            "in",
            "to",
            "from",
            "near",
            "at",
            "with",
            "в",
            "во",
            "из",
            "под",
            "до",
            "city",
            "town",
        }


PlaceLookup = PlaceFinder


def recognise(text: str, language: str | None, gaz: Gazetteer, place_at: PlaceLookup) -> Found:
    """Find the people, organisations and places of a text."""
    rec = _Recogniser(text, language, gaz, place_at)
    rec.run()
    people = _merge_people(rec, language)
    return Found(people, _merge_orgs(rec), rec.places, rec.regions, _subjects(rec, people))


def _subjects(rec: _Recogniser, people: list[Person]) -> list[tuple[int, Person]]:
    """People a sentence is about: named at its start (after role words) or just before 'said'."""
    subjects = []
    for person in people:
        for start, end in person.mentions:
            line = rec.starts[bisect_right(rec.starts, start) - 1]
            if _leads_sentence(rec.text[line:start]) or _says_next(rec.text, end):
                subjects.append((start, person))
    return sorted(subjects, key=lambda x: x[0])


_SUBJECT_LEAD_WORDS = frozenset("of the for to in at and a an".split())
_SAYS_AFTER = re.compile(r"(?:,[^,.;:\n]{2,80},)?\s+(\w+)")


def _leads_sentence(lead: str) -> bool:
    """True for what may stand before a sentence's subject: roles, names, or an appositive role.

    'Foreign Minister ', 'The head of Tatarstan, ', 'A spokeswoman for the World Bank in Tashkent, '.
    """
    if len(lead) > 100:
        return False
    words = _LEAD_WORD.findall(lead)
    if len(lead) <= 60 and all(
        w[:1].isupper()
        or fold(w) in lexicon.ROLE_HEADS
        or fold(w) in lexicon.ROLE_MODIFIERS
        or fold(w) in _SUBJECT_LEAD_WORDS
        for w in words
    ):
        return True
    # An appositive: a role phrase, then the name set off by a comma.
    return lead.rstrip().endswith(",") and any(_is_role_word(w) for w in words[:4])


def _says_next(text: str, end: int) -> bool:
    """True when the reporting verb follows the name: 'Bekeshev said', 'Sadykova, a lawyer, said'."""
    m = _SAYS_AFTER.match(text, end, end + 100)
    return m is not None and fold(m.group(1)) in lexicon.SPEECH_VERBS


@lru_cache(maxsize=WORD_CACHE)
def _surname_key(word: str) -> str:
    """The key mentions of one person share: the folded surname in its nominative, case ending off."""
    low = fold(word)
    if is_cyrillic_word(word):
        # A Kazakh case ending only counts when what it leaves is a surname ('Ланге' is no 'Лан'+'ге').
        stems = [s for s in morph.kazakh_stems(word) if _surname_shaped(s)]
        low = fold(morph.nominative(word, role="surname")) if not stems else fold(stems[-1])
    return low


def _matches_surname(word: str, person: Person) -> bool:
    """The same surname, or one sharing all but its last letter (at least 4) in another case form."""
    return _key_matches(fold(word), person.surname_key)


def _key_matches(key: str, target: str) -> bool:
    """_matches_surname with the word already folded."""
    if key == target:
        return True
    if abs(len(key) - len(target)) > 4:
        return False
    # A common prefix of at least `need` letters: both are that long and agree up to there.
    need = max(4, len(target) - 1)
    return len(key) >= need and len(target) >= need and key[:need] == target[:need]


@lru_cache(maxsize=WORD_CACHE)
def _first_word_key(name: str) -> str:
    """fold() of a name's first word ('Aigerim Bekova' -> 'aigerim')."""
    return fold(name.split()[0])


def _full_name(mention: PersonMention, language: str | None) -> str:
    return " ".join(morph.nominative_name(mention.words, language, feminine=mention.feminine))


def _merge_people(rec: _Recogniser, language: str | None) -> list[Person]:
    people: list[Person] = []
    singles: list[PersonMention] = []
    for mention in sorted(rec.person_mentions, key=lambda m: m.start):
        if len(mention.words) == 2 and _PATRONYMIC.search(mention.words[1]):
            # 'Almasadam Maidanovich', 'Айжан Сериковна': a polite address by first name and
            # patronymic, naming someone already given in full; merged by the first name.
            mention.words = mention.words[:1]
            mention.role = None
        if len(mention.words) == 1:
            singles.append(mention)
        else:
            _merge_full_name(people, mention, language)
    backed: set[int] = set()
    for mention in singles:
        _merge_single_name(people, mention, language, backed)
    kept = []
    for person in people:
        if (-1, -1) in person.mentions:
            person.mentions.remove((-1, -1))
            if id(person) not in backed:
                continue
        kept.append(person)
    return kept


def _merge_full_name(people: list[Person], mention: PersonMention, language: str | None) -> None:
    """Add a mention of two or more words to the person with that surname, or as a new person."""
    name = _full_name(mention, language)
    key = _surname_key(name.split()[-1])
    existing = next((p for p in people if p.surname_key == key or fold(p.name) == fold(name)), None)
    if existing is None:
        existing = next((p for p in people if _matches_surname(name.split()[-1], p)), None)
    if existing:
        existing.mentions.append((mention.start, mention.end))
        if mention.role and not existing.role:
            existing.role = mention.role
        if len(name) > len(existing.name) and mention.evidence >= 2:
            existing.name = name
        return
    people.append(Person(name, key, mention.role, [(mention.start, mention.end)]))
    if mention.evidence < 2:
        # Weak on its own; kept if a surname-only mention elsewhere backs it (see _merge_people).
        people[-1].mentions.append((-1, -1))


def _merge_single_name(
    people: list[Person], mention: PersonMention, language: str | None, backed: set[int]
) -> None:
    """A one-word mention: the surname (or first name) of a known person, or a person by role alone."""
    word = mention.words[0]
    folded = fold(word)
    person = next(
        (p for p in people if _key_matches(folded, p.surname_key) or folded == _first_word_key(p.name)), None
    )
    if person:
        person.mentions.append((mention.start, mention.end))
        backed.add(id(person))
        if mention.role and not person.role:
            person.role = mention.role
    elif mention.role and mention.evidence >= 2 and fold(word) not in lexicon.NOT_NAMES:
        name = morph.nominative_name([word], language)[0] if is_cyrillic_word(word) else word
        people.append(Person(name, _surname_key(word), mention.role, [(mention.start, mention.end)]))


def _merge_orgs(rec: _Recogniser) -> list[Org]:
    orgs: list[Org] = []
    for start, end, name, _ in sorted(rec.org_mentions):
        acronym = None
        m = _ACRONYM_AFTER.match(rec.text, end, end + 14)
        if m and _ACRONYM.match(m.group(1)):
            acronym = m.group(1)
        if _ACRONYM.match(name) and fold(name) in _KNOWN_FOLDED:
            expansion = KNOWN_ORGS[_KNOWN_FOLDED[fold(name)]]
            found = next((o for o in orgs if expansion and fold(o.name) == fold(expansion)), None)
            # A known acronym with no expansion (NATO, BRICS) is its own name: match it by name too.
            found = found or next(
                (
                    o
                    for o in orgs
                    if o.acronym == name or fold(o.name) == fold(name) or _initials(o.name) == fold(name)
                ),
                None,
            )
            if found:
                found.acronym = found.acronym or name
                found.mentions.append((start, end))
                continue
            orgs.append(Org(expansion or name, name if expansion else None, [(start, end)]))
            continue
        if _ACRONYM.match(name):
            found = next((o for o in orgs if o.acronym == name or _initials(o.name) == fold(name)), None)
            if found:
                found.acronym = found.acronym or name
                found.mentions.append((start, end))
            continue  # an unexplained all-caps word is not reported as a body
        canonical = _org_nominative(name)
        found = next(
            (o for o in orgs if fold(o.name) == fold(canonical) or (acronym and o.acronym == acronym)), None
        )
        if found:
            found.mentions.append((start, end))
            found.acronym = found.acronym or acronym
            continue
        if acronym and fold(acronym) in _KNOWN_FOLDED:
            existing = next((o for o in orgs if o.acronym == acronym or fold(o.name) == fold(acronym)), None)
            if existing:
                existing.name, existing.acronym = canonical, acronym
                existing.mentions.append((start, end))
                continue
        orgs.append(Org(canonical, acronym, [(start, end)]))
    return _merge_prefixes(orgs)


def _qualified(short: list[str], long: list[str]) -> bool:
    """True when the long name is the short one plus a qualifier: 'of Kazakhstan', 'Казахстана'."""
    if len(short) >= len(long) or long[: len(short)] != short:
        return False
    rest = long[len(short)]
    return rest in ("of", "for") or is_cyrillic_word(rest)


def _merge_prefixes(orgs: list[Org]) -> list[Org]:
    """'National Bank' and 'National Bank of Kazakhstan' are one body: keep the longer name."""
    kept: list[Org] = []
    for org in sorted(orgs, key=lambda o: -len(o.name)):
        words = fold(org.name).split()
        longer = next((k for k in kept if _qualified(words, fold(k.name).split())), None)
        if longer:
            longer.mentions.extend(org.mentions)
            longer.acronym = longer.acronym or org.acronym
        else:
            kept.append(org)
    return sorted(kept, key=lambda o: min(o.mentions))


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[:1].isupper()).casefold()


def _org_nominative(name: str) -> str:
    """'Министерства иностранных дел' -> 'Министерство иностранных дел'; Kazakh genitive dropped."""
    words = name.split()
    if not words or not is_cyrillic_word(words[0]):
        return name
    if _KAZAKH_LOWER.search(name.lower()):
        last = words[-1]
        for ending in ("інің", "ының", "нің", "ның"):
            if (
                last.lower().endswith(ending)
                and fold(last[: -len(ending) + 1 if ending in ("інің", "ының") else -3]) in lexicon.ORG_HEADS
            ):
                words[-1] = last[:-3]
                break
        return " ".join(words)
    head = next((k for k, w in enumerate(words[:3]) if fold(w) in lexicon.ORG_HEADS), None)
    if head is None:
        return name
    noun = morph.inflect_nominative(words[head])
    gender = morph.gender(noun)
    out = [morph.inflect_nominative(w, gender=gender) for w in words[:head]] + [noun] + words[head + 1 :]
    return " ".join(out)
