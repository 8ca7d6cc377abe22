"""Organisations no head word gives away, found by their context: 'the Turkish company Yapi Merkezi'.

Evidence, each general: a kind noun before the name (`company X`, `корпорации X`), a kind noun after
it (`the Kazakhfilm studio`, `Astana Hub tehnoparki`), a place's possessive (`Abu Dhabi's Masdar`),
and a team's staff after it (`Kairat head coach`), which makes every mention of the name the team.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import compress
from operator import itemgetter, ne

from workers.enrich import lexicon
from workers.enrich.text import Token, fold, is_cyrillic_word

# Nouns that name what kind of body the next capitalised words are.
KIND_BEFORE = frozenset(
    """company companies corporation firm operator holding airline carrier developer contractor
    studio startup manufacturer maker producer conglomerate consortium group bank insurer
    retailer miner broadcaster channel newspaper agency club
    компания компании компанией компанию корпорация корпорации корпорацией холдинг холдинга
    холдингом концерн концерна концерном группа группы группой банк банка банком оператор
    оператора застройщик застройщика подрядчик подрядчика производитель производителя
    авиакомпания авиакомпании клуб клуба""".split()
)
# Nouns after a name, lower case: 'the Kazakhfilm studio', 'the Kazaviaspas aviation company'.
KIND_AFTER = frozenset(
    """company corporation studio studios holding group firm operator airline carrier port
    consortium conglomerate startup manufacturer plant refinery club""".split()
)
# Latin Kazakh kind nouns after a name (no article in Kazakh): 'Astana Hub tehnoparki'.
KIND_AFTER_BARE = frozenset(
    """tehnoparki tehnopark kompanııasy kompaniiasy korporatsııasy korporatsiiasy holdıngi
    holdingi klýby kluby banki qory""".split()
)
TEAM_STAFF = frozenset("coach midfielder forward striker goalkeeper defender winger captain".split())
_DEMONYM = re.compile(
    r"(?:ian|ean|ese|ish|i|ic|ch)$|^(?:kazakh|uzbek|kyrgyz|tajik|turkmen|thai|swiss|dutch|czech|greek)$",
    re.IGNORECASE,
)
_COMPOUND_TAILS = frozenset("based born headquartered registered bound owned made listed".split())
_TRIGGERS = KIND_BEFORE | KIND_AFTER | KIND_AFTER_BARE | TEAM_STAFF
_ARTICLE = frozenset({"the", "a", "an", "by"})
_MAX_NAME = 4
_TEXT = itemgetter(0)  # Token.text and Token.bare
_BARE = itemgetter(4)
_MAX_DESCRIPTORS = 2


def _cap_run(toks: list[Token], text: str, k: int) -> int:
    """Where the capitalised words starting at toks[k] (joined by single spaces) end."""
    end = k
    while (
        end < len(toks)
        and end - k < _MAX_NAME
        and toks[end].capitalised
        and (end == k or text[toks[end - 1].end : toks[end].start] == " ")
    ):
        end += 1
    return end


class OrgContext:
    """One pass of the context rules over a text's tokens."""

    def __init__(
        self,
        text: str,
        toks: list[Token],
        place_kind: Callable[[list[str]], str | None],
        is_person_word: Callable[[str], bool],
    ) -> None:
        self.text = text
        self.toks = toks
        self.place_kind = place_kind
        self.is_person_word = is_person_word
        self.found: list[tuple[int, int, str]] = []

    def run(self) -> list[tuple[int, int, str]]:
        """(start, end, name) of each organisation the context gives away."""
        # Only the few words that can trigger a rule are visited: kind nouns, staff, possessives.
        # Picked in C (compress over per-token flags): most words are neither. A word only ends in
        # a possessive (bare differs from text) when the text has an "'s" somewhere.
        texts = list(map(_TEXT, self.toks))
        hits = list(compress(range(len(texts)), map(_TRIGGERS.__contains__, texts)))
        if "'s" in self.text or "’s" in self.text:
            possessives = compress(range(len(texts)), map(ne, map(_BARE, self.toks), texts))
            hits = sorted({*hits, *possessives})
        teams: set[str] = set()
        for k in hits:
            word = self.toks[k].text
            if word in KIND_BEFORE:
                self._kind_before(k)
            if word in KIND_AFTER or word in KIND_AFTER_BARE:
                self._kind_after_noun(k)
            if word in TEAM_STAFF:
                self._team_before(k, teams)
            if self.toks[k].bare != word:
                self._possessive_place(k)
        if teams:
            self._team_mentions(teams)
        return self.found

    def is_place(self, words: list[str]) -> bool:
        """True when the words name a place."""
        return self.place_kind(words) is not None

    def _name_ok(self, begin: int, end: int) -> bool:
        words = [t.bare for t in self.toks[begin:end]]
        if not words or any(fold(w) in lexicon.STOP_CAPITALS for w in words):
            return False
        if self.is_person_word(words[0]) or (len(words) == 1 and _DEMONYM.search(words[0])):
            return False  # 'the Turkish company': the demonym says where, not who
        if any(w.rpartition("-")[2].lower() in _COMPOUND_TAILS for w in words):
            return False  # 'the Dubai-based operator'
        return not self.is_place(words)

    def _add(self, begin: int, end: int) -> None:
        last = self.toks[end - 1]
        start, stop = self.toks[begin].start, last.start + len(last.bare)  # without a possessive 's
        if all(stop <= s or start >= e for s, e, _ in self.found):
            self.found.append((start, stop, self.text[start:stop]))

    def _kind_before(self, k: int) -> None:
        """'the Turkish company Yapi Merkezi', 'operator DP World', 'корпорации Toyota Tsusho'."""
        tok = self.toks[k]
        if tok.capitalised or fold(tok.text) not in KIND_BEFORE or k + 1 >= len(self.toks):
            return
        nxt = self.toks[k + 1]
        if not nxt.capitalised or self.text[tok.end : nxt.start] != " ":
            return
        if is_cyrillic_word(tok.text) and is_cyrillic_word(nxt.text):
            return  # 'компании Казахстана': a Russian genitive, not a name (quoted names are found apart)
        end = _cap_run(self.toks, self.text, k + 1)
        if self._name_ok(k + 1, end):
            self._add(k + 1, end)

    def _kind_after_noun(self, kind: int) -> None:
        """'the Kazakhfilm studio', 'the Aktau sea trade port', 'Astana Hub tehnoparki'."""
        j = kind - 1
        while j >= 0 and kind - j <= _MAX_DESCRIPTORS and not self.toks[j].capitalised:
            word = fold(self.toks[j].text)
            if word in lexicon.STOP_CAPITALS or not word.isalpha():
                return
            j -= 1
        if j < 0 or not self.toks[j].capitalised:
            return
        end = j + 1
        k = j
        while k > 0 and end - k < _MAX_NAME and self.toks[k - 1].capitalised:
            if self.text[self.toks[k - 1].end : self.toks[k].start] != " ":
                break
            k -= 1
        if self.toks[kind].text in KIND_AFTER_BARE:
            if end == kind and self._name_ok(k, end):
                self._add(k, end)
            return
        self._kind_noun_found(k, end, kind)

    def _kind_noun_found(self, k: int, end: int, kind: int) -> None:
        if not k or fold(self.toks[k - 1].text) not in _ARTICLE:
            return
        words = [t.bare for t in self.toks[k:end]]
        if self.is_place(words):
            # 'the Aktau sea trade port': a place alone is no body, so the name runs to the noun.
            if kind > end:
                self._add(k, kind + 1)
            return
        if self._name_ok(k, end):
            self._add(k, end)

    def _possessive_place(self, k: int) -> None:
        """'Saudi Arabia's ACWA Power', 'Abu Dhabi's Masdar': a body of that place."""
        tok = self.toks[k]
        if tok.bare == tok.text or k + 1 >= len(self.toks) or not tok.capitalised:
            return
        begin = k - 1 if k and self.toks[k - 1].capitalised else k
        if not self.is_place([t.bare for t in self.toks[begin : k + 1]]) and not self.is_place([tok.bare]):
            return
        end = _cap_run(self.toks, self.text, k + 1)
        if end == k + 1 or self._speaks(end):
            return
        words = [t.text for t in self.toks[k + 1 : end]]
        # 'Kazakhstan's Sanzhar Tashkenbay' is a person: only one word or a word in capitals
        # ('ACWA Power') is taken for a body.
        if len(words) > 1 and not any(w.isupper() and len(w) > 1 for w in words):
            return
        if self._name_ok(k + 1, end):
            self._add(k + 1, end)

    def _speaks(self, end: int) -> bool:
        return end < len(self.toks) and fold(self.toks[end].text) in lexicon.SPEECH_VERBS

    def _team_before(self, k: int, teams: set[str]) -> None:
        """'Kairat head coach', 'Tobol forward': the capitalised word before a team's staff."""
        at = k - 2 if k >= 2 and self.toks[k - 1].text == "head" else k - 1
        if at < 0:
            return
        tok = self.toks[at]
        if (
            tok.capitalised
            and (at == 0 or not self.toks[at - 1].capitalised)
            and fold(tok.bare) not in lexicon.STOP_CAPITALS
            and fold(tok.bare) not in lexicon.NOT_NAMES
            and fold(tok.bare) not in lexicon.ROLE_HEADS
            and not _DEMONYM.search(tok.bare)
            and self.place_kind([tok.bare]) != "country"
        ):
            teams.add(tok.bare)

    def _team_mentions(self, teams: set[str]) -> None:
        """Every mention of a team's name is the team."""
        for k, tok in enumerate(self.toks):
            if tok.bare in teams and not (k + 1 < len(self.toks) and self.toks[k + 1].capitalised):
                self._add(k, k + 1)
