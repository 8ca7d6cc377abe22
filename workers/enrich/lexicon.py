"""Word lists the rule-based enrichers share (English, Russian, Kazakh), folded to lower case."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Capitalised at a sentence start or in a heading, but never part of a name.
STOP_CAPITALS = _words(
    """a an the this that these those it its he she they we i you his her their our my in on at
    to for from by with of and or but as if when while after before during since until about
    over under between among against into through per via also however meanwhile moreover
    according earlier later today yesterday tomorrow monday tuesday wednesday thursday friday
    saturday sunday january february march april may june july august september october
    november december mr mrs ms dr there here what who which where why how all some many most
    several each every both more less other another such no not yes one two three first second
    last next new speaking addressing asked answering recently currently overall photo video
    source read also related news watch live update breaking exclusive interview opinion
    в во на по с со к ко у о об от до из за для при про без над под через после перед и а но
    или что как это этот эта эти его ее её их он она они мы вы я также однако кроме того
    сегодня вчера завтра январь января февраля марта апреля мая июня июля августа сентября
    октября ноября декабря понедельник вторник среду среда четверг пятницу пятница субботу
    воскресенье по словам кроме ранее позже между тем фото видео читайте напомним отметим
    сондай-ақ және мен бен пен бұл осы ол олар біз сіз ал бірақ кейін дейін бойынша үшін
    туралы арқылы қаңтар ақпан наурыз сәуір мамыр маусым шілде тамыз қыркүйек қазан қараша
    желтоқсан бүгін кеше ертең айтуынша сөзінше еске салсақ"""
)

# Titles and roles that precede a name: "Minister Nurtleu", "President Kassym-Jomart Tokayev".
ROLE_HEADS = _words(
    """president minister premier chairman chairwoman chair speaker spokesman spokeswoman
    spokesperson secretary ambassador envoy governor mayor akim director head chief deputy
    vice-minister vice-president chancellor king queen prince emir sheikh sultan senator
    deputy mp lawmaker commissioner colonel captain coach judge prosecutor ceo founder
    chairperson executive manager professor dr mr mrs ms sir lord pope patriarch mufti imam
    analyst expert economist rector dean leader counsellor adviser advisor aide representative
    officer commander editor correspondent reporter journalist author writer player champion
    athlete boxer wrestler skier striker goalkeeper president-elect counterpart
    secretary-general spokesperson ombudsman chairman-designate prezıdent prezident mınıstr
    minıstr ákim ákimi basshysy tóraǵasy premer-mınıstr
    colleague
    midfielder forward defender winger coach trainer manager referee captain goalkeeper
    cyclist swimmer runner sprinter fighter judoka weightlifter gymnast tennis-player
    lawyer attorney advocate barrister solicitor notary investigator detective inspector
    attorney-general prosecutor-general justice magistrate defendant plaintiff witness
    doctor physician surgeon nurse scientist researcher engineer architect teacher
    director-general general-director minister-counsellor consul attaché ombudswoman
    vice-chairman vice-governor vice-mayor deputy-director president-designate
    administrator superintendent marshal general admiral lieutenant major sergeant
    bishop metropolitan archbishop rabbi cleric actor actress singer artist composer
    filmmaker producer businessman businesswoman entrepreneur activist historian
    sociologist politologist
    адвокат юрист следователь нотариус защитник истец обвиняемый свидетель
    полузащитник нападающий защитник вратарь форвард наставник капитан спортсмен
    спортсменка чемпион чемпионка борец боксер боксёр дзюдоист штангист пловец
    врач хирург учёный ученый исследователь инженер архитектор учитель актер актриса
    певец певица режиссер режиссёр продюсер бизнесмен предприниматель активист историк
    социолог фермер генерал полковник министры
    губернатора генпрокурор омбудсмен уполномоченный вице-президент вице-спикер
    бапкер бапкері спортшы балуан боксшы чемпионы жаттықтырушы сарапшысы дәрігер ғалым
    мұғалім заңгер адвокаты судьясы прокуроры тергеуші әкімінің орынбасары төрайымы
    жазушы суретші әнші актер режиссер кәсіпкер
    jattyqtyrýshy sarapshy dáriger ǵalym ókili elshisi depýtaty
    президент министр премьер-министр вице-министр вице-премьер председатель спикер
    пресс-секретарь секретарь посол губернатор мэр аким глава руководитель директор
    замминистра заместитель канцлер король принц эмир султан сенатор депутат генсек
    генеральный прокурор судья тренер профессор эксперт аналитик экономист политолог ректор
    представитель советник помощник начальник управляющий основатель президента министра
    главы председателя акима посла директора
    президенті министрі премьер-министрі басшысы әкімі төрағасы төрағасының депутаты елшісі
    директоры хатшысы өкілі орынбасары сарапшы спикері министр президент әкім елші"""
)

# Words that qualify a role ("Foreign Minister", "Deputy Prime Minister", "First Vice-President").
ROLE_MODIFIERS = _words(
    """foreign prime deputy first vice acting former interim executive general national
    state senior chief press defence defense finance energy economy trade health education
    culture interior justice agriculture transport industry digital ecology labor labour
    emergency emergencies sports information security federal regional city district
    kazakh russian uzbek kyrgyz chinese american turkish azerbaijani british german french
    european us u.s. un high managing general-secretary head assistant associate permanent
    special presidential parliamentary supreme district regional provincial military
    defense-ministry team club national-team olympic
    бас аға кіші бірінші главный старший ведущий постоянный специальный исполнительный"""
)

# The last word of an organisation's name: "Ministry of Energy", "Halyk Bank", "Kazakh Invest".
ORG_HEADS = _words(
    """ministry agency committee commission council bank fund foundation organization
    organisation union party company corporation corp group university institute association
    authority service office parliament senate mazhilis majilis court assembly centre center
    exchange airlines airways railways department administration akimat academy chamber board
    bureau network alliance coalition holding inc ltd llp jsc plc ag gmbh co federation
    inspectorate police army forces guard navy secretariat cabinet government
    commission congress embassy consulate mission programme program school college hospital
    clinic museum theatre theater library studio club team league vodokanal opera
    port
    министерство министерства министерством министерстве агентство агентства комитет
    комитета комиссия комиссии совет совета банк банка фонд фонда организация организации
    союз союза партия партии компания компании корпорация корпорации университет
    университета институт института ассоциация ассоциации служба службы парламент
    парламента сенат сената мажилис мажилиса суд суда палата палаты акимат акимата
    правительство правительства кремль кремля администрация администрации департамент
    департамента управление управления академия академии биржа биржи посольство
    посольства прокуратура прокуратуры федерация федерации водоканал
    экспедиция экспедиции экспедицией экспедицию суде судом инспекция инспекции
    министерству министерством комитетом комитете
    министрлігі министрлігінің агенттігі комитеті кеңесі банкі қоры ұйымы одағы партиясы
    компаниясы корпорациясы университеті институты қауымдастығы қызметі парламенті сенаты
    мәжілісі соты палатасы әкімдігі үкіметі академиясы биржасы елшілігі үкімет
    үкіметтің министрлігінің комитетінің"""
)

# Capitalised names of things that are neither people nor organisations nor places.
NOT_NAMES = _words(
    """asia europe africa america oceania eurasia central middle east west north south
    corridor road route sea lake river mountain mountains region street avenue square park
    airport station port day week year expo games olympics olympic cup championship forum
    summit conference congress festival programme program project plan strategy initiative
    agreement treaty declaration law code act constitution budget covid-19 covid coronavirus
    internet islam christianity ramadan christmas nauryz navruz eid god republic kingdom
    state states city village district province oblast island islands valley steppe desert
    caspian aral black baltic pacific atlantic arctic silk belt card family service hub
    terminal platform system
    kazakh uzbek russian kyrgyz tajik turkmen chinese american turkish azerbaijani georgian
    armenian belarusian ukrainian mongolian iranian afghan korean japanese indian german french
    british italian spanish polish european asian arab emirati qatari saudi israeli
    kazakhstani kazakhstan's"""
)

# Verbs that report speech, as written (lower case); value: the verb recorded on a quote.
SPEECH_VERBS: dict[str, str] = {
    **{
        v: v
        for v in """said says told added noted stressed emphasised emphasized stated explained
        declared announced asked replied answered remarked commented warned wrote insisted
        argued recalled concluded continued underlined pointed suggested urged assured
        confirmed admitted believes thinks claimed reported tweeted posted""".split()
    },
    **{
        v: v
        for v in """сказал сказала заявил заявила отметил отметила подчеркнул подчеркнула
        добавил добавила сообщил сообщила пояснил пояснила рассказал рассказала считает
        уверен уверена заметил заметила указал указала констатировал констатировала
        продолжил продолжила признал признала ответил ответила напомнил напомнила
        предупредил предупредила резюмировал резюмировала написал написала говорит
        заключил заключила призвал призвала уточнил уточнила""".split()
    },
    **{
        v: v
        for v in """деді айтты атап мәлімдеді хабарлады қосты жазды түсіндірді
        айтады санайды сенді dedi aıtty málimdedi habarlady qosty jazdy""".split()
    },
}

# Third-person pronouns that stand for the person last named; value: the gender they refer to.
PRONOUNS: dict[str, str | None] = {"he": "m", "she": "f", "он": "m", "она": "f", "ол": None}

# Common first names (Latin script): a capitalised pair starting with one is very likely a person.
FIRST_NAMES = _words(
    """murat kassym-jomart kassym nursultan olzhas askar yerlan yerzhan nurlan serik marat
    arman aidos aigerim aliya aizhan dana dinara gulnara saule zhanna madina kairat bakhyt
    baurzhan berik daniyar dauren zhaksylyk timur ruslan roman alikhan azamat almas asset
    erlan yermek kanat aset mukhtar kuanysh bolat beibut karim zhanibek sultan rustam aibek
    ainur asel assel akmaral botagoz gaukhar lyazzat meruert nazira raushan zarina yerbol
    dmitry dmitri sergei sergey vladimir vladislav alexander alexei alexey andrei andrey
    mikhail maria maria anna elena olga tatiana natalia irina svetlana yuri igor oleg pavel
    ivan nikolai viktor maxim anton ilya kirill konstantin valentina galina ekaterina
    shavkat ilham recep emmanuel olaf joe donald antony kamala xi li wang zhang liu chen
    john james robert michael william david richard thomas mark paul peter george charles
    jennifer mary patricia linda barbara susan jessica sarah karen lisa nancy emily anna
    angela ursula charles josep kaja rafael abdulla ali ahmed mohammed mohammad muhammad
    fatima hassan hussein omar yusuf ibrahim mustafa emine hakan mevlut sadyr
    emomali serdar gurbanguly aleksandr ilkham narendra fumio shinzo
    kristalina antonio jens rishi keir giorgia pedro"""
)
