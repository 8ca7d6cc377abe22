"""IPTC Media Topics (the 17 top-level codes) from word-stem lexicons in English, Russian, Kazakh.

Each word of the text is matched by its longest known stem; a topic's score is its share of the
matched words, and topics under a fifth of the best one, or with a single hit, are left out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from itertools import compress
from typing import cast

from schemas import Topic
from workers.enrich.text import WORD_CACHE

LABELS: dict[str, str] = {
    "01000000": "arts, culture, entertainment and media",
    "02000000": "crime, law and justice",
    "03000000": "disaster, accident and emergency incident",
    "04000000": "economy, business and finance",
    "05000000": "education",
    "06000000": "environment",
    "07000000": "health",
    "08000000": "human interest",
    "09000000": "labour",
    "10000000": "lifestyle and leisure",
    "11000000": "politics",
    "12000000": "religion",
    "13000000": "science and technology",
    "14000000": "society",
    "15000000": "sport",
    "16000000": "conflict, war and peace",
    "17000000": "weather",
}

# Stems, written for this project. A word matches a stem it starts with (longest stem wins).
_STEMS: dict[str, str] = {
    "01000000": """art artist museum theatre theater film cinema music concert festival exhibit
        painting literature novel poet book culture cultural heritage media journalis television
        театр музе фильм кино музык концерт фестивал выставк картин литератур культур наслед
        журналист искусств өнер мұражай театр фильм кино ән мәдени мұра әдебиет көрме""",
    "02000000": """court judge trial prosecut police arrest crime criminal corrupt bribe fraud
        sentenc prison jail lawyer investigat suspect detain murder theft smuggl
        суд судь прокур полици арест преступ коррупц взятк мошеннич приговор тюрьм адвокат
        расследова подозрева задержа убийств краж контрабанд
        сот прокурор полиция қылмыс сыбайлас пара тергеу күдікті ұстал""",
    "03000000": """earthquake flood fire wildfire accident crash explosion disaster emergenc rescue
        victim injur casualt collapse landslide avalanche evacuat
        землетрясен наводнен пожар авари катастроф взрыв чрезвычайн спасател пострада
        эвакуац паводк лавин
        жер сілкініс су тасқын өрт апат жарылыс төтенше құтқарушы зардап эвакуац""",
    "04000000": """econom business trade export import invest bank financ market compan price
        inflation tariff budget tax gdp oil gas industr enterprise billion million revenue
        profit stock tenge dollar loan credit transit logistic cargo freight
        эконом бизнес торгов экспорт импорт инвест банк финанс рын компан цен инфляц
        тариф бюджет налог ввп нефт газ промышлен предприят миллиард миллион доход
        прибыл тенге доллар кредит транзит логист груз
        экономика бизнес сауда экспорт импорт инвестиц банк қаржы нарық компания баға
        инфляция бюджет салық мұнай газ өнеркәсіп кәсіпорын миллиард миллион табыс
        теңге доллар несие транзит жүк""",
    "05000000": """school student universit education teacher pupil academ scholarship exam
        curriculum graduate
        школ студент университет образован учител ученик академ стипенд экзамен выпускник
        мектеп студент университет білім мұғалім оқушы грант емтихан түлек""",
    "06000000": """environment climate ecolog pollut emission carbon forest wildlife species
        water conservation recycl waste renewable solar wind green
        экологи климат загрязн выброс углерод лес заповедн вод отход возобновля
        экология климат ластан шығарынды орман су қалдық жасыл""",
    "07000000": """health hospital doctor patient disease vaccin medic virus covid pandemic
        clinic treatment nurse epidemic
        здрав больниц врач пациент заболеван вакцин медиц вирус пандем клиник лечен
        эпидем
        денсаулық аурухана дәрігер науқас ауру вакцина медицина вирус емдеу""",
    "08000000": """anniversary birthday celebrit wedding centenarian
        юбилей день рождения свадьб
        мерейтой туған күн той""",
    "09000000": """employ unemploy job worker wage salary labour labor union strike pension
        workforce
        занятост безработ работник зарплат заработн труд забастов пенси
        жұмыс жұмыссыз жалақы еңбек зейнет""",
    "10000000": """tourism tourist travel holiday vacation leisure restaurant fashion hobby
        туризм турист путешеств отдых отпуск ресторан мод
        туризм турист саяхат демалыс мейрамхана""",
    "11000000": """president minister government parliament election vote party senat deput
        diplomat foreign ambassador summit bilateral cooperat sanction policy political
        politic treaty negotiat visit talks delegation mazhilis majilis legislat reform
        presidential referendum
        президент министр правительств парламент выбор голосова парти сенат депутат
        дипломат посол саммит двусторон сотрудничеств санкц политик договор переговор
        визит делегац мажилис законопроект реформ референдум
        президент министр үкімет парламент сайлау дауыс партия сенат депутат дипломат
        елші саммит ынтымақтастық санкция саясат келісім келіссөз сапар делегация
        мәжіліс заң реформа""",
    "12000000": """religio church mosque islam muslim christian orthodox imam priest pray faith
        церк мечет ислам мусульман христиан православ имам молитв вер
        дін мешіт ислам мұсылман шіркеу имам намаз""",
    "13000000": """science scientist research technolog digital innovat space satellite launch
        rocket artificial intelligence software internet cyber startup laboratory
        наук учен исследова технолог цифров инновац космос спутник ракет искусствен
        интеллект программ интернет кибер стартап лаборатор
        ғылым ғалым зерттеу технология цифрлық инновация ғарыш спутник зымыран жасанды
        интеллект бағдарлама интернет""",
    "14000000": """social society family children youth women elderly disabilit poverty housing
        migration migrant population citizen community volunteer charity
        социальн обществ семь дет молодеж женщин пожил инвалид бедност жиль миграц
        мигрант населен гражданин волонтер благотвор
        әлеуметтік қоғам отбасы бала жастар әйел қарт мүгедек кедей тұрғын көші-қон
        халық азамат ерікті қайырымдылық""",
    "15000000": """sport athlete championship olympic match tournament football boxing wrestling
        medal coach team player league goal race cup
        спорт спортсмен чемпионат олимпи матч турнир футбол бокс борьб медал тренер
        команд игрок лиг гол
        спорт спортшы чемпионат олимпиада матч турнир футбол бокс күрес медаль
        жаттықтырушы команда ойыншы""",
    "16000000": """war military army troops attack conflict ceasefire peace terror missile drone
        weapon soldier defence defense security battle
        войн военн арми войск атак конфликт перемири мир террор ракетн дрон оружи
        солдат оборон безопасност
        соғыс әскер шабуыл қақтығыс бітім бейбіт террор зымыран қару сарбаз қорғаныс
        қауіпсіздік""",
    "17000000": """weather temperature forecast rain snow storm frost heat wind degree
        погод температур прогноз дожд снег шторм мороз жар ветер градус синоптик
        ауа райы температура болжам жаңбыр қар боран аяз ыстық жел градус""",
}
_INDEX: dict[str, str] = {stem: code for code, words in _STEMS.items() for stem in words.split()}
_MAX_STEM = max(len(s) for s in _INDEX)
_WORD = re.compile(r"\w+", re.UNICODE)
_MIN_HITS = 2


@lru_cache(maxsize=WORD_CACHE)
def _topic_of(word: str) -> str | None:
    for n in range(min(len(word), _MAX_STEM), 2, -1):
        code = _INDEX.get(word[:n])
        if code is not None:
            # A short stem must be most of the word ("art" matches "arts", not "article").
            return code if n >= 5 or n >= len(word) - 2 else None
    return None


@lru_cache(maxsize=WORD_CACHE)
def _topic_of_spelling(word: str) -> str | None:
    """_topic_of for a word as written (any case)."""
    return _topic_of(word.lower())


def classify(text: str, headline: str | None = None, *, words: list[str] | None = None) -> list[Topic]:
    """Top-level IPTC Media Topics with scores (share of topical words), best first, at most 3.

    `words`, when the caller has them, are the text's words as written (basics.words): they
    save this a pass over the text.
    """
    # Lower-casing the whole text and then finding its words gives the same words as lower-casing
    # each word found in the text, except around two letters (checked over every code point): 'İ'
    # lowers to 'i' + a combining dot, which \w does not match, and 'Σ' to 'σ' or 'ς' by what
    # stands next to it. Only a text with one of them needs the first way.
    if "İ" in text or "Σ" in text:
        seen, topic_of = Counter(_WORD.findall(text.lower())), _topic_of
    else:
        seen, topic_of = Counter(_WORD.findall(text) if words is None else words), _topic_of_spelling
    # Each distinct word is looked up once (map and compress run in C, the loop only visits the
    # topical ones); codes still enter `counts` in order of first use.
    codes = list(map(topic_of, seen))
    hits = cast("Iterator[tuple[str, int]]", compress(zip(codes, seen.values(), strict=True), codes))
    counts: Counter[str] = Counter()
    for code, n in hits:  # compress kept only the words with a code
        counts[code] += n
    for word in _WORD.findall((headline or "").lower()):
        headline_code = _topic_of(word)
        if headline_code:
            counts[headline_code] += 2  # the headline says what the story is about
    total = sum(counts.values())
    if not total:
        return []
    best = counts.most_common(1)[0][1]
    return [
        Topic(code=f"medtop:{code}", label=LABELS[code], score=round(n / total, 3))
        for code, n in counts.most_common(3)
        if n >= _MIN_HITS and n >= best / 5
    ]
