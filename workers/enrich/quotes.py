"""Direct quotations and their speakers: «», “”, "", em-dash dialogue, a missing opening mark.

The speaker is looked for after the quote (`," said Nurtleu`, `», — сказал он`, `», – деді ол`)
and then before it (`Nurtleu said: "`, `По словам министра, «`); a pronoun or a role noun stands
for the person last named; an organisation can speak too.
"""

from __future__ import annotations

import re

from schemas import Quote
from workers.enrich import lexicon
from workers.enrich.entities import Found, Org, Person
from workers.enrich.text import fold

_PAIRS = {"«": "»", "“": "”", "„": "“", '"': '"'}
_OPENERS = '«“„"'
_MIN_WORDS = 4
_DASH = "—–-"
_OPENER = re.compile("[" + _OPENERS + "]")
_GUILLEMET = re.compile("[«»]")
# A quote's closing mark followed by the attribution: `," he said`, `», — сказал`.
_CLOSE_THEN_WORD = re.compile(r"(?:[,.!?…]\s?[»”\"]|\w[»”\"]\s*,)\s*[,]?\s*[" + _DASH + r"]?\s*\w")
_DIALOGUE = re.compile(r"^\s*[—–]\s*(.+?)(?:,\s*[—–]\s*\w|$)", re.S)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s|[«“]")
_SENTENCE_GAP = re.compile(r"[.!?]\s")
_ATTRIBUTION_AFTER = re.compile(r"^\s*[,.!?…]?\s*[" + _DASH + r"]?\s*\w")
_WORD = re.compile(r"\w+", re.UNICODE)
# A paragraph with none of these marks and no leading dash holds no quote of any kind (spans need
# an opening mark, a missing opener a closing one, dialogue a dash): most paragraphs are skipped
# on one C-level scan instead of three regex passes.
_MARK = re.compile("[" + _OPENERS + "»”]")
_DASH_START = re.compile(r"\s*[—–]")
_ACCORDING = re.compile(
    r"(?:according to|по словам|"
    r"как (?:отметил|отметила|сообщил|сообщила|заявил|заявила|сказал|сказала|подчеркнул|подчеркнула|"
    r"пояснил|пояснила)|"
    r"сөзінше|айтуынша)\s+([^,:«“\"]{2,80})[,:]?\s*$",
    re.IGNORECASE,
)


def _spans(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of the quoted text (marks excluded) in one paragraph."""
    spans: list[tuple[int, int]] = []
    m = _OPENER.search(paragraph)
    while m:
        i = m.start()
        close = None
        if paragraph[i] != '"' or i == 0 or not paragraph[i - 1].isalnum():
            close = _closing(paragraph, i)
        if close is not None:
            spans.append((i + 1, close))
        m = _OPENER.search(paragraph, i + 1 if close is None else close + 1)
    return spans


def _closing(paragraph: str, i: int) -> int | None:
    """Where the quote opened at i closes: nested «» counted, a straight quote not before a letter."""
    opener = paragraph[i]
    if opener == "«":
        depth = 0
        for m in _GUILLEMET.finditer(paragraph, i + 1):
            if m.group() == "«":
                depth += 1
            elif depth == 0:
                return m.start()
            else:
                depth -= 1
        return None
    if opener != '"':
        close = paragraph.find(_PAIRS[opener], i + 1)
        return close if close != -1 else None
    j = paragraph.find('"', i + 1)
    while j != -1 and j + 1 < len(paragraph) and paragraph[j + 1].isalnum():
        j = paragraph.find('"', j + 1)
    return j if j != -1 else None


def _missing_opener(paragraph: str, spans: list[tuple[int, int]]) -> tuple[int, int] | None:
    """A paragraph that ends a quote it never opened: `We will go on," he said.`"""
    first = spans[0][0] - 1 if spans else len(paragraph)
    for m in _CLOSE_THEN_WORD.finditer(paragraph[: first + 1] if spans else paragraph):
        if paragraph[: m.start()].count("«") == 0 and paragraph[: m.start()].count("“") == 0:
            close = m.start() + 1
            body = paragraph[:close].lstrip(" " + _DASH)
            offset = len(paragraph) - len(paragraph.lstrip(" " + _DASH))
            if len(_WORD.findall(body)) >= _MIN_WORDS:
                return offset, close
    return None


def _dialogue(paragraph: str) -> tuple[int, int] | None:
    """Em-dash dialogue: `— Мы продолжим работу, — сказал министр.`"""
    m = _DIALOGUE.match(paragraph)
    if not m:
        return None
    return m.start(1), m.end(1)


def _is_speech(quoted: str) -> bool:
    words = _WORD.findall(quoted)
    if len(words) < _MIN_WORDS:
        return False
    # A title or a name in quotes has every word capitalised ("Digital Kazakhstan" programme).
    return not all(w[:1].isupper() or w.isdigit() for w in words if len(w) > 3)


def _speech_spans(paragraph: str) -> list[tuple[int, int]]:
    """The quoted speech in a paragraph: marked quotes, else a missing opener or a dialogue turn."""
    if not _MARK.search(paragraph) and not _DASH_START.match(paragraph):
        return []
    spans = [s for s in _spans(paragraph) if _is_speech(paragraph[s[0] : s[1]])]
    if not spans:
        missing = _missing_opener(paragraph, [])
        dialogue = _dialogue(paragraph) if not missing else None
        spans = [s for s in (missing or dialogue,) if s and _is_speech(paragraph[s[0] : s[1]])]
    return spans


def extract(body: str, found: Found) -> list[Quote]:
    """The direct quotations in an article body, with speakers resolved."""
    quotes: list[Quote] = []
    offset = 0
    previous: tuple[str | None, str | None, str | None] | None = None
    paragraphs = body.split("\n")
    turns = _interview_turns(paragraphs) if _ANY_TURN.search(body) else {}
    for number, paragraph in enumerate(paragraphs):
        if number in turns:
            quotes.extend(_interview_answer(paragraph, offset, turns[number], found))
            offset += len(paragraph) + 1
            continue
        spans = _speech_spans(paragraph)
        attributed_any = False
        for start, end in spans:
            text = paragraph[start:end].strip().rstrip(",")
            speaker, kind, verb = _attribute(paragraph, start, end, offset, found)
            # A quote paragraph continuing the last speaker, or the second half of a split quote
            # (`"A," X said. "B."`): a new speaker would have been named.
            if speaker is None and previous and (attributed_any or _bare_quote(paragraph, start, end)):
                speaker, kind, verb = previous
            if speaker is not None:
                attributed_any = True
            quotes.append(Quote(text=text, speaker=speaker, speaker_kind=kind, verb=verb))
            if kind == "person":
                named = next((p for p in found.persons if p.name == speaker), None)
                if named:
                    found.subjects.append((offset + end, named))  # the speaker is who 'he' is next
            previous = (speaker, kind, verb) if speaker else previous
        if not spans and paragraph.strip():
            previous = previous if len(paragraph) < 40 else None
        offset += len(paragraph) + 1
    return quotes


_TURN = re.compile(r"^\s*[—–]\s*\S")
_TURN_ATTRIBUTED = re.compile(r",\s*[—–]\s*\w")
# Any paragraph _TURN matches is found by this one search over the body (its \s* may also run
# across a line break, which only lets through a text the loop then checks paragraph by paragraph).
_ANY_TURN = re.compile(r"^\s*[—–]\s*\S", re.MULTILINE)


def _interview_turns(paragraphs: list[str]) -> dict[int, bool]:
    """Paragraph number -> True for an answer, False for a question, in an interview's dialogue.

    An interview is two or more unattributed em-dash turns in a row that open with a question:
    the questions are the interviewer's (not quotes), the answers the interviewee's.
    """
    turns: dict[int, bool] = {}
    block: list[int] = []
    for number, paragraph in enumerate([*paragraphs, ""]):
        if _TURN.match(paragraph) and not _TURN_ATTRIBUTED.search(paragraph):
            block.append(number)
            continue
        if not paragraph.strip() and number < len(paragraphs):
            continue  # a blank line between turns
        if len(block) >= 2 and paragraphs[block[0]].rstrip().endswith("?"):
            turns.update({n: not paragraphs[n].rstrip().endswith("?") for n in block})
        block = []
    return turns


def _interview_answer(paragraph: str, offset: int, answer: bool, found: Found) -> list[Quote]:
    """An interview turn: an answer is the interviewee's quote, a question is no quote."""
    span = _dialogue(paragraph)
    if not answer or span is None or not _is_speech(paragraph[span[0] : span[1]]):
        return []
    # The interviewee is introduced before the dialogue starts ('Minister X answered questions').
    person = found.subject_before(offset)
    name = person.name if person else None
    text = paragraph[span[0] : span[1]].strip()
    return [Quote(text=text, speaker=name, speaker_kind="person" if name else None, verb=None)]


def _bare_quote(paragraph: str, start: int, end: int) -> bool:
    outside = paragraph[: max(0, start - 1)] + paragraph[end + 1 :]
    return len(_WORD.findall(outside)) <= 2


def _attribute(
    paragraph: str, start: int, end: int, offset: int, found: Found
) -> tuple[str | None, str | None, str | None]:
    after = paragraph[end + 1 : end + 160]
    after = _SENTENCE_BREAK.split(after, maxsplit=1)[0]
    before = paragraph[max(0, start - 160) : max(0, start - 1)]
    before = _SENTENCE_GAP.split(before)[-1]
    # Quote first, then the attribution: `," said X` / `», – деді ол`.
    if _ATTRIBUTION_AFTER.match(after) and _verb_in(after):
        where = offset + end + 1
        return _speaker(after, where, offset + start, found)
    if m := _ACCORDING.search(before):
        where = offset + max(0, start - 1) - len(before) + m.start(1)
        speaker = _speaker(m.group(1), where, offset + start, found)
        return (
            speaker[0],
            speaker[1],
            "according to" if "accord" in m.group(0).lower() else speaker[2] or "по словам",
        )
    if _verb_in(before) or before.rstrip().endswith(":"):
        where = offset + max(0, start - 1) - len(before)
        return _speaker(before, where, offset + start, found)
    if after.strip() and _verb_in(after[:60]):
        return _speaker(after, offset + end + 1, offset + start, found)
    return None, None, None


def _verb_in(text: str) -> str | None:
    """The first speech verb in the text (as recorded on a quote), or None."""
    # Lazily: words are folded only up to the first verb.
    verb = next(filter(lexicon.SPEECH_VERBS.__contains__, map(fold, _WORD.findall(text))), None)
    return None if verb is None else lexicon.SPEECH_VERBS[verb]


def _speaker(
    window: str, where: int, quote_at: int, found: Found
) -> tuple[str | None, str | None, str | None]:
    verb = _verb_in(window)
    person = found.person_at(where, where + len(window))
    if person:
        return person.name, "person", verb
    words = _WORD.findall(window)
    for word in words:
        # A surname alone ('Jordan said') that the recogniser took for something else.
        if word[:1].isupper():
            named = next((p for p in found.persons if fold(word) in {fold(t) for t in p.name.split()}), None)
            if named:
                return named.name, "person", verb
    for word in (fold(w) for w in words):
        if word in lexicon.PRONOUNS:
            last = found.subject_before(quote_at, lexicon.PRONOUNS[word])
            return (last.name, "person", verb) if last else (None, None, verb)
    # 'добавил представитель Кремля': a person's role noun before the body's name means a person
    # of that body spoke (the one holding the role), not the body itself.
    org = found.org_at(where, where + len(window))
    role_hit = _role_person(words, found, quote_at)
    if role_hit:
        return role_hit.name, "person", verb
    if org:
        return org.name, "organization", verb
    body = _body_noun(words, found, quote_at)
    if body:
        return body.name, "organization", verb
    return None, None, verb


def _role_person(words: list[str], found: Found, quote_at: int) -> Person | None:
    """'the Kyrgyz minister said', '– деді әкім': who holds that role, else the story's subject."""
    for k, word in enumerate(words):
        low = fold(word)
        stems = [low, *(s for s in _kazakh_stems(low))]
        if not any(s in lexicon.ROLE_HEADS or s in _STATE_HEAD for s in stems):
            continue
        named = [p for p in found.persons if p.role and min(p.mentions)[0] < quote_at]
        # The words before the role noun qualify it ('Kyrgyz', 'foreign'): they pick the person best.
        qualifiers = {fold(w)[:5] for w in words[max(0, k - 2) : k] if fold(w) not in _ARTICLES}
        if qualifiers:
            qualified = [p for p in named if qualifiers & {w[:5] for w in fold(p.role or "").split()}]
            if qualified:
                return _nearest(qualified, quote_at)
        key = _STATE_HEAD.get(low, low)[:5]
        matching = [p for p in named if key in fold(p.role or "")]
        if matching:
            return _nearest(matching, quote_at)
        return found.subject_before(quote_at)
    return None


def _nearest(people: list[Person], quote_at: int) -> Person:
    """The person of these mentioned last before the quote."""
    return max(people, key=lambda p: max(s for s, _e in p.mentions if s < quote_at))


_ARTICLES = frozenset("the a an his her its their our".split())


def _body_noun(words: list[str], found: Found, quote_at: int) -> Org | None:
    """'the ministry said in a statement': the body of that kind named last before the quote."""
    for word in words:
        low = fold(word)
        if low in lexicon.ORG_HEADS and word[:1].islower():
            candidates = [o for o in found.orgs if low[:5] in fold(o.name) and min(o.mentions)[0] < quote_at]
            if candidates:
                return candidates[-1]
    return None


def _kazakh_stems(word: str) -> list[str]:
    from workers.enrich.morph import kazakh_stems

    return kazakh_stems(word) if re.search(r"[әғқңөұүһі]", word) else []


# Words for the head of state that name the president without the word 'president'.
_STATE_HEAD = {
    "басшысы": "президент",
    "басшы": "президент",
    "state": "president",
    "государства": "президент",
    "prezıdent": "prezıdent",
    "ákim": "ákim",
}


__all__ = ["extract"]
