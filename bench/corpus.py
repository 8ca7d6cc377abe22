"""Deterministic benchmark corpus: news-like crawler dumps and HTML pages generated from a seed.

Every sentence here is written for this project; the generator only recombines them. A given
(seed, count) always yields the same documents, so runs compare like with like.
"""
# Russian text and typographic dashes are the point of this corpus, not look-alike letters.
# ruff: noqa: RUF001

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

# ~70 % English, ~30 % Russian, as in the crawls newswire reads.
RUSSIAN_SHARE = 0.3
TARGET_WORDS = 400

_EN_PLACES = [
    "ASTANA",
    "ALMATY",
    "SHYMKENT",
    "AKTAU",
    "KARAGANDA",
    "PAVLODAR",
    "TARAZ",
    "ORAL",
    "BAKU",
    "TASHKENT",
]
_EN_AGENCIES = ["KAZINFORM", "NEWSWIRE", "STEPPE NEWS", "CASPIAN PRESS"]
_EN_PEOPLE = [
    ("Aigerim Bekova", "Minister of Energy"),
    ("Daniyar Sultanov", "Deputy Governor"),
    ("Marat Zhaksylykov", "head of the regional health department"),
    ("Saule Omarova", "chair of the National Bank"),
    ("Timur Abenov", "spokesman for the Ministry of Transport"),
    ("Elena Kovaleva", "director of the city museum"),
    ("Nurlan Iskakov", "Minister of Agriculture"),
    ("Gulnara Sadykova", "mayor of the city"),
]
_EN_ORGS = [
    "the Ministry of Energy",
    "the National Bank",
    "the city administration",
    "the regional akimat",
    "the Statistics Bureau",
    "the Ministry of Education",
    "the national railway company",
    "the Chamber of Commerce",
]
_EN_SUBJECTS = [
    ("a new water pipeline", "water supply"),
    ("the wheat harvest forecast", "agriculture"),
    ("a solar power plant", "energy"),
    ("school repairs", "education"),
    ("the railway timetable", "transport"),
    ("the central bank base rate", "finance"),
    ("a children's hospital", "health"),
    ("a regional road programme", "roads"),
    ("the spring flood season", "emergencies"),
    ("a new museum wing", "culture"),
]
_EN_HEADLINES = [
    "{org_cap} announces {subject} for {place_title}",
    "{person} presents plans for {subject}",
    "{place_title} to get {subject} by {year}",
    "Work on {subject} in {place_title} ahead of schedule",
    "{org_cap} reviews {subject} after residents' complaints",
    "Funding for {subject} in {place_title} raised by {percent} percent",
]
_EN_SENTENCES = [
    "Officials said the project would cost about {money} billion tenge and take {months} months to complete.",
    "The work is expected to benefit more than {thousands} thousand residents of {place_title} "
    "and nearby villages.",
    "According to {org}, {percent} percent of the planned work had been finished by the end of {month}.",
    "Local residents have waited for {subject} since {old_year}, when the previous plan was cancelled.",
    "Contractors from three regions took part in the tender, which was held in {month}.",
    "The government allocated an additional {money} billion tenge to the programme this year.",
    "Experts note that demand in the sector grew by {percent} percent over the past twelve months.",
    "The {sector} sector remains one of the priorities of the regional development plan until {year}.",
    "Inspectors visited {number} sites last week and found that most of them met the new standards.",
    "A public hearing on the project will take place at the city hall on {weekday}.",
    "The first stage covers {number} kilometres and should open to the public in {month}.",
    "Similar projects are under way in {other_place}, where the work started two years ago.",
    "Representatives of {org} met business owners on {weekday} to discuss the timetable.",
    "The regional budget for {sector} has doubled since {old_year}, the statistics show.",
    "Residents can send their questions and proposals through the official portal until {month}.",
]
_EN_QUOTES = [
    "“We will keep the timetable and report to the public every month,” {person}, {role}, said.",
    "“The main thing for us is quality, not speed,” {person} told journalists.",
    '"This decision will make life easier for thousands of families," {person} noted.',
    "“We have already signed contracts with local suppliers,” {person} added.",
    '"Every tenge of this money will be accounted for," said {person}, {role}.',
]
_RU_PLACES = ["АСТАНА", "АЛМАТЫ", "КАРАГАНДА", "АКТАУ", "ПАВЛОДАР", "ШЫМКЕНТ", "КОСТАНАЙ", "АТЫРАУ"]
_RU_PEOPLE = [
    ("Айгерим Бекова", "министр энергетики"),
    ("Данияр Султанов", "заместитель акима области"),
    ("Марат Жаксылыков", "руководитель управления здравоохранения"),
    ("Сауле Омарова", "председатель Национального банка"),
    ("Тимур Абенов", "официальный представитель министерства транспорта"),
    ("Елена Ковалева", "директор городского музея"),
]
_RU_ORGS = [
    "министерство энергетики",
    "Национальный банк",
    "городской акимат",
    "бюро статистики",
    "министерство образования",
]
_RU_SUBJECTS = [
    ("новый водопровод", "водоснабжения"),
    ("прогноз урожая пшеницы", "сельского хозяйства"),
    ("солнечную электростанцию", "энергетики"),
    ("ремонт школ", "образования"),
    ("новое крыло музея", "культуры"),
    ("детскую больницу", "здравоохранения"),
]
_RU_HEADLINES = [
    "{org_cap} представил проект: {subject} для города {place_title}",
    "{person} рассказала о планах на {year} год",
    "В городе {place_title} завершают {subject} досрочно",
    "Финансирование программы {sector} увеличат на {percent} процентов",
]
_RU_SENTENCES = [
    "По словам чиновников, стоимость проекта составит около {money} млрд тенге, "
    "работы займут {months} месяцев.",
    "Ожидается, что проект улучшит условия жизни более чем {thousands} тысяч жителей региона.",
    "Как сообщили в ведомстве, к концу месяца выполнено {percent} процентов запланированных работ.",
    "Жители давно ждали этого решения: предыдущий план был отменен еще в {old_year} году.",
    "В тендере участвовали подрядчики из трех регионов, итоги подвели на прошлой неделе.",
    "Правительство дополнительно выделило {money} млрд тенге на программу развития {sector}.",
    "Эксперты отмечают, что спрос в отрасли за год вырос на {percent} процентов.",
    "Инспекторы проверили {number} объектов и выявили нарушения лишь на нескольких из них.",
    "Общественные слушания по проекту пройдут в здании городского акимата в ближайшую пятницу.",
    "Первая очередь протяженностью {number} километров должна открыться уже этим летом.",
    "Аналогичные проекты реализуются и в других областях, где работы начались два года назад.",
    "Вопросы и предложения жители могут направить через официальный портал до конца месяца.",
]
_RU_QUOTES = [
    "«Мы будем соблюдать график и ежемесячно отчитываться перед жителями», – сказала {person}, {role}.",
    "«Для нас главное – качество, а не скорость», – отметил {person}.",
    "«Все контракты с местными поставщиками уже подписаны», – добавил {person}.",
]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "September", "October", "November"]
_EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December"]  # fmt: skip
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


@dataclass(frozen=True)
class Article:
    """One generated article: what a dump or an HTML page is rendered from."""

    language: str
    day: date
    headline: str
    dateline: str
    paragraphs: tuple[str, ...]


class _Writer:
    """Fills sentence templates with random (seeded) names, places and numbers."""

    def __init__(self, rng: random.Random, russian: bool) -> None:
        self.rng = rng
        self.russian = russian
        places = _RU_PLACES if russian else _EN_PLACES
        self.place = rng.choice(places)
        self.other_place = rng.choice([p for p in places if p != self.place])
        self.person, self.role = rng.choice(_RU_PEOPLE if russian else _EN_PEOPLE)
        self.org = rng.choice(_RU_ORGS if russian else _EN_ORGS)
        self.subject, self.sector = rng.choice(_RU_SUBJECTS if russian else _EN_SUBJECTS)
        self.year = rng.randint(2025, 2030)

    def fill(self, template: str) -> str:
        rng = self.rng
        return template.format(
            place_title=self.place.title(),
            other_place=self.other_place.title(),
            person=self.person,
            role=self.role,
            org=self.org,
            org_cap=self.org[0].upper() + self.org[1:],
            subject=self.subject,
            sector=self.sector,
            year=self.year,
            old_year=rng.randint(2005, 2019),
            money=rng.randint(2, 90),
            months=rng.randint(6, 36),
            thousands=rng.randint(5, 300),
            percent=rng.randint(5, 95),
            number=rng.randint(3, 120),
            month=rng.choice(_MONTHS),
            weekday=rng.choice(_WEEKDAYS),
        )


def _article(rng: random.Random, day: date) -> Article:
    russian = rng.random() < RUSSIAN_SHARE
    writer = _Writer(rng, russian)
    headline = writer.fill(rng.choice(_RU_HEADLINES if russian else _EN_HEADLINES))
    if russian:
        dateline = f"{writer.place.title()}. {day.day} {_ru_month(day.month)}. KAZINFORM – "
        sentences, quotes = _RU_SENTENCES, _RU_QUOTES
    elif rng.random() < 0.8:
        dateline = f"{writer.place}. {rng.choice(_EN_AGENCIES)} – "
        sentences, quotes = _EN_SENTENCES, _EN_QUOTES
    else:
        dateline = f"{writer.place.title()}, {_EN_MONTHS[day.month - 1]} {day.day}. /NEWSWIRE/. "
        sentences, quotes = _EN_SENTENCES, _EN_QUOTES
    paragraphs: list[str] = []
    words = 0
    while words < TARGET_WORDS:
        picked = [writer.fill(rng.choice(sentences)) for _ in range(rng.randint(2, 4))]
        if rng.random() < 0.5:
            picked.insert(rng.randint(0, len(picked)), writer.fill(rng.choice(quotes)))
        paragraph = " ".join(picked)
        paragraphs.append(paragraph)
        words += len(paragraph.split())
    return Article("ru" if russian else "en", day, headline, dateline, tuple(paragraphs))


def _ru_month(month: int) -> str:
    names = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
             "октября", "ноября", "декабря"]  # fmt: skip
    return names[month - 1]


def articles(count: int, seed: int = 8) -> list[Article]:
    """`count` distinct articles: no two share headline and date, so each is its own event.

    The dateline's date is the article's own, so the parser's date agrees with the dump's.
    """
    rng = random.Random(seed)
    first = date(2023, 1, 1)
    seen: set[tuple[str, date]] = set()
    out: list[Article] = []
    while len(out) < count:
        article = _article(rng, first + timedelta(days=rng.randrange(700)))
        key = (article.headline.casefold(), article.day)
        if key in seen:
            continue
        seen.add(key)
        out.append(article)
    return out


def render_dump(article: Article) -> bytes:
    """The article as a crawler text dump: ` date YYYY-MM-DD <headline>`, blank line, body."""
    body = "\n\n".join((article.dateline + article.paragraphs[0], *article.paragraphs[1:]))
    return f" date {article.day.isoformat()} {article.headline}\n\n{body}\n".encode()


def render_html(article: Article) -> bytes:
    """The article as a news web page: menus, related links and a footer around the text."""
    lang = article.language
    paragraphs = "\n".join(
        f"      <p>{p}</p>" for p in (article.dateline + article.paragraphs[0], *article.paragraphs[1:])
    )
    related = "\n".join(
        f'        <li><a href="/news/{i}">Related story number {i}</a></li>' for i in range(1, 9)
    )
    menu = "".join(
        f'<li><a href="/{s.lower()}">{s}</a></li>' for s in ("Politics", "Economy", "Society", "Sport")
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <title>{article.headline} | Newswire Bench</title>
  <meta property="og:title" content="{article.headline}">
  <meta property="article:published_time" content="{article.day.isoformat()}T09:30:00+05:00">
  <script>window.analytics = {{"page": "article"}};</script>
</head>
<body>
  <header><nav><ul>{menu}</ul></nav><div class="lang">EN | RU | KZ</div></header>
  <div class="widget">USD 447.10 | EUR 481.35 | Astana +12°C</div>
  <main>
    <article>
      <h1>{article.headline}</h1>
      <time datetime="{article.day.isoformat()}">{article.day.isoformat()}</time>
{paragraphs}
    </article>
    <aside><h3>Popular</h3>
      <ul>
{related}
      </ul>
    </aside>
  </main>
  <footer>© 2024 Newswire Bench. All rights reserved. <a href="/contacts">Contacts</a></footer>
</body>
</html>
""".encode()


def dumps(count: int, seed: int = 8) -> list[bytes]:
    """`count` crawler dumps of ~400 words each, deterministic for a seed."""
    return [render_dump(a) for a in articles(count, seed)]


def html_pages(count: int, seed: int = 8) -> list[bytes]:
    """`count` HTML article pages, deterministic for a seed."""
    return [render_html(a) for a in articles(count, seed)]
