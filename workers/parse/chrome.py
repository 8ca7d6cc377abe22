"""Site chrome: menus, language switchers, widgets, related lists, comments, footers, cookie notices.

`clean` drops such lines from a page's lines. Listing-page article lines (`DD.MM.YYYY, HH:MM`)
always survive, so the listing splitter still sees every article.
"""

from __future__ import annotations

import re
from enum import Enum

from workers.parse import dateline, dates

_LANGUAGE = (
    r"en|eng|english|ru|rus|русский|рус|kz|kaz|қаз|каз|qaz|қазақша|казахша|qazaqsha|kk|"
    r"uz|az|tr|de|fr|zh|中文|عربي|o'zbek|ўзбек|türkçe|deutsch|français"
)
_LANGUAGE_SWITCH = re.compile(rf"^(?:(?:{_LANGUAGE})\s*[|/•·,]?\s*)+$", re.IGNORECASE)
_CURRENCY_ITEM = (
    r"(?:USD|EUR|RUB|KZT|CNY|GBP|AZN|KGS|UZS|TRY|JPY|CHF|[$€₽₸£¥])\s*(?:/\s*[A-Z]{3})?\s*[:=]?\s*\d"
)
_CURRENCY = re.compile(rf"^(?:{_CURRENCY_ITEM}[\d.,]*\s*[▲▼↑↓+\-−]?\s*[\d.,%]*\s*)+$")
_WEATHER = re.compile(
    r"^[^\d\n]{0,30}[+\-−]?\d{1,2}\s*°\s*[CСF]?(?:\s*[.,/…-]+\s*[+\-−]?\d{1,2}\s*°\s*[CСF]?)?$"
    # A widget that says what it is may drop the degree sign: `Погода: Астана -18`.
    r"|^(?:weather|погода|ауа райы|aýa raıy)\s*:?\s*[^\d\n]{0,30}[+\-−]?\d{1,2}\s*°?\s*[CСF]?$",
    re.IGNORECASE,
)
_VIEWS = re.compile(
    r"^(?:views?|просмотр\w*|қаралым\w*|kórilim\w*|👁|👀)\s*:?\s*\d[\d\s]*$|^\d[\d\s]*\s*(?:views?|просмотр\w*)$"
    r"|^\d{1,7}$",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"^\d{1,2}[.)](?:\s+\S.*)?$")
# Lines that are chrome wherever they appear: navigation, sharing, subscribing, advertising, captions.
_PHRASES = re.compile(
    r"^(?:go to (?:the )?main (?:site|page)|main page|home(?:page)?|menu|main menu|search|login|log in|"
    r"sign in|"
    r"subscribe|share|print|back|next|previous|contacts?|about us|advertising|advertisement|sponsored|"
    r"mobile version|full version|back to top|read more|show more|load more|loading\.*|"
    r"перейти на главную|на главную|главная|меню|поиск|войти|вход|поделиться|печать|назад|контакты|"
    r"о нас|реклама|мобильная версия|полная версия|версия для слабовидящих|читать далее|показать ещ[её]|"
    r"басты бет(?:ке өту)?|мәзір|іздеу|кіру|бөлісу|байланыс|жарнама|толығырақ|"
    r"basty bet(?:ke ótý)?|izdeý|bólisý|jarnama|"
    r"facebook|twitter|telegram|whatsapp|instagram|youtube|vk|vkontakte|ok|x)"
    r"\s*[:.]?$",
    re.IGNORECASE,
)
# Captions and credits need their colon (`Photo: Kazinform`); `Video shows...` is a sentence.
_CAPTION = re.compile(
    r"^(?:photo|photos|фото|сурет|суреттер|foto|video|видео|source|источник|дереккөз|tags?|теги|тегтер|"
    r"keywords|ключевые слова|author|автор)\s*[:|]\s*.{0,160}$",
    re.IGNORECASE,
)
_READ_ALSO = re.compile(
    r"^(?:read also|also read|see also|read more|читайте также|смотрите также|читайте еще|тағы оқыңыз|"
    r"оқи отырыңыз|taǵy oqyńyz|subscribe to|follow us|подписывайтесь|подпишитесь|жазылыңыз)\b.{0,200}$",
    re.IGNORECASE,
)
_SOCIAL_ROW = re.compile(
    r"^(?:(?:facebook|twitter|telegram|whatsapp|instagram|youtube|vk|ok|x|linkedin|email|e-mail)\s*[|/•·,]?\s*){2,}$",
    re.IGNORECASE,
)
# Looked for in a line's `_fold` (see there), so in lower case; `файлы cookie` contains `cookie`.
_COOKIE_WORDS = ("cookie", "куки")
_CONSENT = re.compile(
    r"\b(?:we use|this (?:web)?site|our (?:web)?site|accept|agree|consent|privacy|мы используем|сайт|согласи|"
    r"пайдаланамыз|келісесіз)",
    re.IGNORECASE,
)
_CONSENT_BUTTON = re.compile(
    r"^(?:accept(?: all)?|i agree|agree|ok|got it|decline|reject|manage (?:cookies|preferences)|"
    r"privacy policy|cookie (?:policy|settings)|принять|согласен|понятно|отклонить|"
    r"политика конфиденциальности|қабылдау)\s*$",
    re.IGNORECASE,
)
_RELATED_HEAD = re.compile(
    r"^(?:related(?: news| articles| stories)?|relevant news|more news|other news|latest news|top news|"
    r"popular(?: news)?|most (?:read|popular|viewed)|trending|news feed|you may also like|recommended|"
    r"новости по теме|похожие новости|по теме|популярное|популярные новости|самое читаемое|самое популярное|"
    r"последние новости|другие новости|лента новостей|главные новости|рекомендуем|"
    r"ұқсас жаңалықтар|тақырып бойынша|соңғы жаңалықтар|танымал|көп оқылған|басқа жаңалықтар|"
    r"uqsas jańalyqtar|sońǵy jańalyqtar|tanymal|kóp oqylǵan)\s*:?$",
    re.IGNORECASE,
)
_COMMENTS_HEAD = re.compile(
    r"^(?:\d+\s+)?(?:comments?|комментари[йия]\w*|пікірлер|pikirler|leave a (?:comment|reply)|"
    r"add (?:a )?comment|"
    r"оставить комментарий|добавить комментарий|пікір қалдыру|"
    r"to (?:leave|post) a comment.*|чтобы оставить комментарий.*)\s*(?:\(\d+\)|:\s*\d*)?\s*$",
    re.IGNORECASE,
)
# A copyright footer opens with its sign, or says so anywhere in the line.
_FOOTER_START = re.compile(r"\s*(?:©|\(c\)\s*\d{4}|copyright\b)", re.IGNORECASE)
# Searched in a line's `_fold`, so case-sensitive and in lower case.
_FOOTER_PHRASE = re.compile(
    r"all rights reserved|все права защищены|барлық құқықтар қорғалған|"
    r"barlyq quqyqtar|при (?:полном или частичном )?использовании (?:материалов|информации)|"
    r"материалдарды (?:толық немесе ішінара )?пайдаланғанда|reproduction .{0,40}(?:prohibited|forbidden)|"
    r"перепечатка .{0,40}запрещена"
)
# One word of each phrase above: a line holding none of them cannot match, and `in` rules that out
# several times faster than the regex, which tries the phrases at every `a`, `b`, `r`, `в`, `п`...
_FOOTER_WORDS = (
    "rights reserved", "права защищены", "құқықтар қорғалған", "quqyqtar", "использовании", "пайдаланғанда",
    "reproduction", "перепечатка",
)  # fmt: skip
# The characters that re.IGNORECASE matches to one of the lower-case letters above although
# str.lower() maps them elsewhere (`ı` and `İ` match `i`, `ſ` matches `s`, the old Cyrillic
# letter forms U+1C80-U+1C85 match `в д о с т`), and the letter each matches.
_IGNORECASE_LETTERS = {
    "\u0130": "i", "\u0131": "i", "\u017f": "s", "\u1c80": "в", "\u1c81": "д", "\u1c82": "о", "\u1c83": "с",
    "\u1c84": "т", "\u1c85": "т",
}  # fmt: skip
_IGNORECASE_ONLY = tuple(_IGNORECASE_LETTERS)
_IGNORECASE_TABLE = str.maketrans(_IGNORECASE_LETTERS)


class Kind(Enum):
    """What a line is, as far as chrome goes."""

    CONTENT = "content"
    CHROME = "chrome"
    LISTING = "listing"  # `DD.MM.YYYY, HH:MM views`: opens an article of a listing page
    RELATED = "related"  # heading of a related/popular list: the list under it is chrome
    COMMENTS = "comments"  # comment widget: everything under it up to the next article is chrome
    FOOTER = "footer"  # copyright footer: everything under it up to the next article is chrome


def kind(line: str) -> Kind:
    """Classify one stripped line."""
    if dates.listing_date(line):
        return Kind.LISTING
    if _RELATED_HEAD.match(line):
        return Kind.RELATED
    if _COMMENTS_HEAD.match(line):
        return Kind.COMMENTS
    stripped = line.strip()
    # Only lines up to 400 characters are searched in their fold (footers up to 300, notices 400).
    folded = _fold(stripped) if len(stripped) <= 400 else ""
    if len(line) <= 300 and (_FOOTER_START.match(line) or _footer_phrase(folded)):
        return Kind.FOOTER
    return Kind.CHROME if _is_chrome(stripped, folded) else Kind.CONTENT


def _fold(line: str) -> str:
    """The line in lower case, for the case-sensitive searches of `_FOOTER_PHRASE` and `_COOKIE_WORDS`.

    Searching for lower-case phrases in this finds exactly what an re.IGNORECASE search of the
    line finds (tests/unit/test_parse_lines.py checks every code point against each letter), and
    is several times faster: re cannot skip ahead to a cased first letter under IGNORECASE, so
    it tries every phrase at every position of the line.
    """
    # Nine `in` tests are faster than one regex scan for the nine characters.
    if not line.isascii() and _holds_any(line, _IGNORECASE_ONLY):
        line = line.translate(_IGNORECASE_TABLE)
    return line.lower()


def is_chrome(line: str) -> bool:
    """True for a line that is site furniture wherever it appears (menu item, widget, switcher...)."""
    line = line.strip()
    return _is_chrome(line, _fold(line))


def _is_chrome(line: str, folded: str) -> bool:
    """`is_chrome` of a stripped line, given its `_fold`."""
    if not line:
        return True
    if len(line) > 200:  # widgets and menu items are short; a long line is chrome only as a notice
        return _is_cookie_notice(line, folded)
    checks = (
        _LANGUAGE_SWITCH,
        _CURRENCY,
        _WEATHER,
        _VIEWS,
        _PHRASES,
        _CAPTION,
        _READ_ALSO,
        _SOCIAL_ROW,
        _CONSENT_BUTTON,
    )
    if any(p.match(line) for p in checks) or dates.is_time_only(line) or _is_cookie_notice(line, folded):
        return True
    return dateline.is_agency_name(line) or _is_pipe_menu(line)


def is_numbered_item(line: str) -> bool:
    """`1.`, `3) Headline`: an item of a numbered (most-read) list."""
    return bool(_NUMBERED.match(line.strip()))


def clean(lines: list[str]) -> list[str]:
    """The lines without chrome; listing lines are kept so articles can still be split."""
    kept: list[str] = []
    zone: Kind | None = None
    for line in lines:
        k = kind(line)
        if k is Kind.LISTING:
            zone = None
            kept.append(line)
        elif k in (Kind.RELATED, Kind.COMMENTS, Kind.FOOTER):
            zone = k
        elif (
            (zone is Kind.RELATED and _list_item(line))
            or zone in (Kind.COMMENTS, Kind.FOOTER)
            or k is Kind.CHROME
        ):
            continue
        else:
            zone = None
            kept.append(line)
    return _drop_menu_runs(_drop_numbered_runs(kept))


def _list_item(line: str) -> bool:
    """A related-list entry: a headline, a date, a time; not a paragraph of prose."""
    return not is_prose(line) or dates.date_only(line) is not None


def is_prose(line: str) -> bool:
    """A sentence or paragraph of running text (ends like a sentence, or is long)."""
    text = line.rstrip("»\"”’') ")
    return len(line) > 250 or (text.endswith((".", "!", "?", "…")) and len(line.split()) >= 6)


def nav_like(line: str) -> bool:
    """A menu entry: one to three short words, no sentence punctuation, no digits."""
    if len(line) > 25:  # first: most lines are prose, and split() reads all of one
        return False
    words = line.split()
    return (
        1 <= len(words) <= 3
        and not any(c in line for c in '.,:;!?«»"“”')
        and not any(c.isdigit() for c in line)
    )


def _drop_menu_runs(lines: list[str]) -> list[str]:
    """Remove runs of three or more menu-like lines (a navigation bar, one item per line)."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and nav_like(lines[j]) and not dates.listing_date(lines[j]):
            j += 1
        if j - i >= 3:
            # A short headline right after the menu (three words, then the article) is kept.
            if j < len(lines) and len(lines[j - 1].split()) == 3 and any(c.islower() for c in lines[j - 1]):
                out.append(lines[j - 1])
            i = j
            continue
        out.extend(lines[i : max(j, i + 1)])
        i = max(j, i + 1)
    return out


def _drop_numbered_runs(lines: list[str]) -> list[str]:
    """Remove runs of two or more numbered headline-like items (a most-read list), keep enumerated prose."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and is_numbered_item(lines[j]) and not is_prose(lines[j]):
            j += 1
        if j - i >= 2:
            i = j
            continue
        out.append(lines[i])
        i += 1
    return out


def _is_cookie_notice(line: str, folded: str) -> bool:
    return len(line) <= 400 and _holds_any(folded, _COOKIE_WORDS) and bool(_CONSENT.search(line))


def _footer_phrase(folded: str) -> bool:
    """A copyright or reprint notice anywhere in the line, given its `_fold`."""
    return _holds_any(folded, _FOOTER_WORDS) and bool(_FOOTER_PHRASE.search(folded))


def _holds_any(text: str, words: tuple[str, ...]) -> bool:
    """True when one of the words is in the text."""
    # A plain loop, not any() over a generator: creating the generator costs more than the tests.
    for word in words:  # noqa: SIM110
        if word in text:
            return True
    return False


def _is_pipe_menu(line: str) -> bool:
    """`Home | News | Sport | Contacts`: several short items on one line."""
    parts = [p.strip() for p in re.split(r"\s*[|•·]\s*", line)]
    return len(parts) >= 3 and all(p and len(p.split()) <= 3 and len(p) <= 25 for p in parts)
