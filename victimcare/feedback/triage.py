"""Safeguarding screen of feedback comments (issue 6, item 5).

`screen(text, language)` reads one untrusted comment and says which risk
categories it shows and whether the response is urgent. It is pure Python
(precompiled regular expressions, no database, no network) so the response
service can call it inside its transaction. A person reviews every flagged
response; the screen only decides which queue and how fast. See
docs/feedback-triage.md for how it works, its measured precision and recall
and what it cannot do.

Urgency: threats, self-harm, fear of the offender and requests for help are
urgent because someone may be in danger now. An allegation of misconduct goes
to the supervisor's review list and is urgent only when it comes with one of
those, or when it is sexual behaviour or violence towards the victim (abuse of
position: the victim may be at risk from the officer).

The result names the rules that matched (ids such as "fear.present"), never the
matched text, so it can be logged and stored without copying the comment.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

THREAT = "threat"
SELF_HARM = "self_harm"
FEAR_OF_OFFENDER = "fear_of_offender"
MISCONDUCT = "misconduct"
HELP_REQUEST = "help_request"

CATEGORIES: tuple[str, ...] = (THREAT, SELF_HARM, FEAR_OF_OFFENDER, HELP_REQUEST, MISCONDUCT)
CATEGORY_LABELS: dict[str, str] = {
    THREAT: "Threat of harm",
    SELF_HARM: "Self-harm or suicidal thoughts",
    FEAR_OF_OFFENDER: "Fear of the offender or feeling unsafe",
    HELP_REQUEST: "Asks for help or to be contacted",
    MISCONDUCT: "Allegation of police misconduct",
}
URGENT_CATEGORIES = frozenset({THREAT, SELF_HARM, FEAR_OF_OFFENDER, HELP_REQUEST})

# Languages with full rule sets. Comments in any other language still go
# through every rule (people switch languages) and a few high-signal keywords,
# but come back screened=False so the caller can send them to a person.
SCREENED_LANGUAGES = frozenset({"en", "pl"})


@dataclass(frozen=True)
class Screen:
    """What the screen found. `matched` holds rule ids, never comment text."""

    categories: tuple[str, ...] = ()
    urgent: bool = False
    matched: tuple[str, ...] = ()
    screened: bool = True

    @property
    def flagged(self) -> bool:
        return bool(self.categories)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(CATEGORY_LABELS[c] for c in self.categories)


# --- normalisation -----------------------------------------------------------

_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u0142": "l",  # ł does not decompose under NFKD
        "\u0141": "l",
        "\u0623": "\u0627",  # Arabic alef forms: أ إ آ → ا
        "\u0625": "\u0627",
        "\u0622": "\u0627",
        "\u0640": "",  # tatweel
    }
)
_REPEAT = re.compile(r"([^\W\d])\1{2,}")  # "pleeease" → "please", "helppp" → "help"
_SPACES = re.compile(r"[ \t\r\f\v]+")
_NEWLINES = re.compile(r"\s*\n\s*")

# Whole-word rewrites, applied in order after case-folding.
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"\bcan'?t\b|\bcannot\b", "can not"),
        (r"\bwon'?t\b", "will not"),
        (r"\bshan'?t\b", "shall not"),
        (
            r"\b(do|does|did|is|was|were|are|have|has|had|would|could|should|must|need|ai)n'?t\b",
            r"\1 not",
        ),
        (r"\bi'?m\b", "i am"),
        (r"\bi'?ve\b", "i have"),
        (r"\bi'll\b", "i will"),
        (r"\bi'd\b", "i would"),
        (r"\b(he|she|it|that|there|what|who)'s\b", r"\1 is"),
        (r"\b(he|she)s\b", r"\1 is"),
        (r"\b(you|they|we)'re\b|\b(you|they)re\b", r"\1\2 are"),
        (r"\b(\w+)'ll\b", r"\1 will"),
        (r"\b(\w+)'d\b", r"\1 would"),
        (r"\b(\w+)'ve\b", r"\1 have"),
        (r"'s\b", ""),
        (r"\bgonna\b", "going to"),
        (r"\bwanna\b", "want to"),
        (r"\bgotta\b", "got to"),
        (r"\bimm?a\b", "i am going to"),
        (r"\bu\b", "you"),
        (r"\bur\b", "your"),
        (r"\bppl\b", "people"),
        (r"\b(?:pls|plz|plse|plez|plis|pleas)\b", "please"),
        (r"\b(?:sum1|some1|sumone|somone|sumbody|somebdy)\b", "someone"),
        (r"\b(?:any1|anyon)\b", "anyone"),
        (r"\b(?:no1|noone|no-one)\b", "no one"),
        (r"\b(?:scard|scaired|scaerd|skared|scaried|scred)\b", "scared"),
        (r"\b(?:afriad|afaid|afraied|afrade|afraide)\b", "afraid"),
        (r"\b(?:frightend|frighted|fritened|frightned)\b", "frightened"),
        (r"\b(?:terifed|terrifed|terified|terrfied)\b", "terrified"),
        (r"\b(?:worryed|woried|worred)\b", "worried"),
        (r"\bthre?a?ten(?:d|ed)\b|\bthreatned\b|\bthretned\b", "threatened"),
        (r"\bthre?a?tening\b", "threatening"),
        (r"\b(?:sucide|suicde|suiside|sucicide)\b", "suicide"),
        (r"\b(?:sucidal|suicidel|suisidal|suicdal)\b", "suicidal"),
        (r"\bkms\b", "kill myself"),
        (r"\b(?:nite|nyt)\b", "night"),
        (r"\b(?:tonite|2nite)\b", "tonight"),
        (r"\bb4\b", "before"),
        (r"\b(?:bc|cos|coz|cuz|becuase|becasue)\b", "because"),
    )
)
_QUOTES = re.compile(r"[\"']")


def _strip_latin_accents(text: str) -> str:
    """Drop combining marks that sit on Latin letters (ą → a, é → e) and Arabic
    vowel marks, but keep the vowel signs that Bengali and other scripts need."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.category(ch) == "Mn" and out:
            prev = out[-1]
            if prev.isascii() or "\u0600" <= prev <= "\u06ff":
                continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def normalise(text: str) -> str:
    """Case-folded, NFKC, accent-free (Latin), whitespace-collapsed text with
    common contractions, abbreviations and misspellings rewritten."""
    t = unicodedata.normalize("NFKC", text).translate(_CHAR_MAP).casefold()
    t = _strip_latin_accents(t)
    t = "".join(
        ch if ch == "\n" or unicodedata.category(ch)[0] != "C" else " " for ch in t
    )  # controls, zero-width and private-use characters
    t = _REPEAT.sub(r"\1", t)
    t = _NEWLINES.sub(" . ", t)
    t = _SPACES.sub(" ", t)
    for pattern, repl in _REWRITES:
        t = pattern.sub(repl, t)
    t = _QUOTES.sub(" ", t)
    return _SPACES.sub(" ", t).strip()


# --- context checks ------------------------------------------------------------

# A clause ends at sentence punctuation or where the writer turns ("but", "however"):
# "I was worried but the officer reassured me" has its fear in a past clause.
_CLAUSE_END = re.compile(r"[.!?;]|\b(?:but|however|although|though|whereas|ale|lecz)\b")
_TOKEN = re.compile(r"\w+")
_NEGATORS = frozenset(
    {"not", "no", "never", "nothing", "none", "nor", "without", "hardly", "nie", "nigdy"}
)
_PAST = frozenset({"was", "were", "felt", "been", "had", "used"})
_QUESTION = frozenset({"whether", "ever"})  # "asked whether he had ever threatened me"
_SUBJECTS = frozenset({"i", "he", "she", "they", "we", "you", "my", "his", "her", "someone"})
_CONDITIONAL = frozenset({"if", "whether", "unless", "ever", "case", "jesli", "jezeli", "gdyby"})
_WINDOW = 4
_OFFICER = (
    r"officers?|pcs?|dcs?|ps|sergeant|sarge|inspector|constable|detective|pcso|"
    r"police(?:man|men|woman|women)?|coppers?|cops?|policjant\w*|funkcjonariusz\w*|"
    r"policj\w*|dzielnicow\w*"
)
_OFFICER_WORD = re.compile(rf"\b(?:{_OFFICER})\b")
_THIRD_PARTY = re.compile(
    r"\b(?:man|woman|guy|lad|bloke|ex|partner|boyfriend|girlfriend|husband|wife|offender|"
    r"suspect|attacker|neighbou?r|burglar|thief|robber|stranger|brother|driver|gang|"
    r"arrest\w*|mugger|abuser)\b"
)


def _window(text: str, start: int) -> list[str]:
    """The last few words before `start`, within its clause and comma segment."""
    lo = max(text.rfind(",", 0, start), 0)
    for m in _CLAUSE_END.finditer(text, lo, start):
        lo = m.end()
    return _TOKEN.findall(text[lo:start])[-_WINDOW:]


def _clause(text: str, start: int, end: int) -> str:
    lo = 0
    for m in _CLAUSE_END.finditer(text, 0, start):
        lo = m.end()
    m = _CLAUSE_END.search(text, end)
    return text[lo : m.start() if m else len(text)]


# --- rules ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    id: str
    categories: tuple[str, ...]
    pattern: re.Pattern[str]
    negatable: bool = True  # "not scared", "no longer worried about him" do not count
    conditional: bool = False  # "what to do if I feel scared" does not count
    question: bool = False  # "asked whether he had ever threatened me" does not count
    past: bool = False  # "I was scared" does not count unless "still"
    benign_after: re.Pattern[str] | None = None  # "scared the case will be dropped"
    officer: bool = False  # needs the officer as the subject (group "subj")
    urgent: bool = False  # makes a misconduct allegation urgent


def _rule(rule_id: str, cats: str | tuple[str, ...], pattern: str, **kw: object) -> _Rule:
    cats = (cats,) if isinstance(cats, str) else cats
    return _Rule(rule_id, cats, re.compile(pattern), **kw)  # type: ignore[arg-type]


_W = r"(?:\w+ )"  # one filler word
_SUBJ = r"(?:he|she|they|him|her|them|my ex|the offender|the suspect)"
_FEAR_WORD = (
    r"(?:scared|afraid|frightened|terrified|petrified|fearful|panicking|panicked|dread|dreading)"
)
_BENIGN_FEAR = re.compile(
    r"\W*(?:\w+ ){0,5}?(?:the case|my case|this case|court|trial|giving evidence|evidence|"
    r"process|outcome|verdict|dropped|dog|nobody would|no one would|believe|ignored|"
    r"forms|insurance|jury|the police|losing)\b"
)
_VIOLENCE = r"(?:hit|punched|slapped|kicked|pushed|shoved|grabbed|assaulted|strangled|choked|manhandled|threw|dragged|tasered)"

_RULES: tuple[_Rule, ...] = (
    # threats: made to the victim, or by the writer; conditional threats count
    _rule(
        "threat.verb",
        THREAT,
        r"\bthreat(?:en|ened|ening|ens) (?:me|my|us|our|to|him|her|them|the|his|with|again)\b"
        r"|\b(?:being|been|getting|get|got|was|were) threatened\b",
        question=True,
    ),
    _rule(
        "threat.received",
        THREAT,
        r"\b(?:sending|sent|send|getting|got|receiving|received|more|death) (?:me |us )?threats\b"
        r"|\bthreats (?:keep|are|have|from|still|again|every)\b",
        question=True,
    ),
    _rule(
        "threat.future",
        THREAT,
        rf"\b(?:{_SUBJ}|someone|his \w+|her \w+) (?:said |says |told me |keeps saying )?"
        r"(?:he |she |they )?(?:will|would|is going to|are going to|going to) "
        r"(?:\w+ ){0,2}?(?:kill|hurt|stab|burn|batter|beat|shoot|get|do) (?:me|my|us|you|your)\b"
        rf"|\b{_SUBJ} (?:will|would|is going to) (?:make me pay|do me in|finish me)\b",
        question=True,
    ),
    _rule(
        "threat.words",
        THREAT,
        r"\b(?:saying|said|says|told me|telling me|message)[^.!?;]{0,25}\b(?:i am|you are|your) "
        r"(?:dead|next|going to die)\b|\bsnitches get stitches\b|\bwe know where (?:you|your)\b"
        r"|\b(?:you|i) (?:will|would) (?:regret|be sorry)\b|\b(?:i am|you are|my (?:house|flat|"
        r"car|family|home)(?: is)?) next\b|\bburn (?:my|your|the) (?:house|flat|car) down\b",
        negatable=False,
    ),
    _rule(
        "threat.by_writer",
        THREAT,
        r"\bi (?:will|am going to|would|swear i will|am gonna) (?:\w+ ){0,2}?"
        r"(?:kill|stab|hurt|batter|smash|shoot|sort (?:him|her|them) out|do (?:him|her) in|"
        r"take (?:the law|matters) into my own hands)\b|\b(?:he|she) will not walk again\b",
    ),
    _rule(
        "threat.pl",
        THREAT,
        r"\b(?:grozi|grozil\w*|groza|grozba|grozby|pogrozki\w*|zastrasza\w*) ?(?:mi|mnie)?\b"
        r"|\b(?:zabije|zabijemy) (?:mnie|cie|was)\b|\bmnie zabije\b",
        negatable=False,
    ),
    _rule(
        "threat.other",
        THREAT,
        r"\b(?:ma ameninta|ameninta|me amenaza|amenaza|me ameaca|ameaca|tehdit|menace)\b"
        r"|погрож|угрож|يهدد|تهديد|دھمکی|হুমকি",
        negatable=False,
    ),
    # self-harm: past disclosures still count; only outright denials do not
    _rule(
        "self_harm.suicide",
        SELF_HARM,
        r"(?<!died by )(?<!prevention )\bsuicid(?:e|al|io|e\w*)\b(?! prevention)|\bsinucid",
    ),
    _rule(
        "self_harm.myself",
        SELF_HARM,
        r"\b(?:kill|killing|hurt|hurting|harm|harming|cut|cutting|hang|hanging|end|ending) myself\b"
        r"|\bself[- ]?harm\w*|\boverdos\w*|\b(?:take|taking|took) all (?:my|the) "
        r"(?:tablets|pills|meds)\b",
    ),
    _rule(
        "self_harm.ideation",
        SELF_HARM,
        r"\b(?:do not|not) want to (?:be here|live|be alive|wake up|exist)\b"
        r"|\b(?:want|wanted|wanting) to die\b|\bwish i (?:was|were) dead\b"
        r"|\bbetter off without me\b|\bcan not go on\b|\b(?:point|reason) (?:in|of|to) "
        r"(?:living|live|life)\b|\bend(?:ing)? (?:it all|my life|things)\b|\bnot waking up\b"
        r"|\bthoughts of (?:dying|death|ending)\b|\bdark thoughts\b|\b(?:done|finished) with "
        r"(?:life|living|it all)\b|\bhad enough of (?:life|living)\b|\bno point (?:any ?more|"
        r"going on|in anything)\b",
        negatable=False,
    ),
    _rule(
        "self_harm.pl",
        SELF_HARM,
        r"\b(?:zabic sie|zabije sie|sie zabic|sie zabije|odebrac sobie zycie|samoboj\w*|samookalecz\w*|tne sie|"
        r"skoncze ze soba)\b|\bnie chce (?:juz )?zyc\b",
        negatable=False,
    ),
    _rule(
        "self_harm.other",
        SELF_HARM,
        r"نتحار|اقتل نفسي|خودکشی|আত্মহত্যা|\bintihar|самогубств|самоубийств|суицид",
        negatable=False,
    ),
    # fear of the offender, feeling unsafe now
    _rule(
        "fear.present",
        FEAR_OF_OFFENDER,
        rf"\b{_FEAR_WORD}\b(?! ?\? ?no\b)",
        conditional=True,
        past=True,
        benign_after=_BENIGN_FEAR,
    ),
    _rule(
        "fear.worried_about_them",
        FEAR_OF_OFFENDER,
        r"\b(?:worried|anxious|nervous|concerned|uneasy|paranoid) (?:about |for |that |of )?"
        r"(?:he|she|they|him|her|them|my ex|my safety|our safety|my life|my (?:kids|children|"
        r"family|daughter|son)(?: s)? safety)\b",
        conditional=True,
        past=True,
    ),
    _rule(
        "fear.fear_for",
        FEAR_OF_OFFENDER,
        r"\bfear(?:ing)? for (?:my|our) (?:life|lives|safety|kids|children|family)\b"
        r"|\bliving in fear\b|\blooking over my shoulder\b",
        conditional=True,
    ),
    _rule(
        "fear.unsafe",
        FEAR_OF_OFFENDER,
        r"\b(?:do not|does not|not|never|can not) feel (?:\w+ )?safe\b|\bnot safe\b",
        negatable=False,
        conditional=True,
    ),
    _rule("fear.unsafe_word", FEAR_OF_OFFENDER, r"\bunsafe\b", conditional=True),
    _rule(
        "fear.in_danger",
        (FEAR_OF_OFFENDER, HELP_REQUEST),
        r"\bin danger\b|\bsomething (?:will |is going to |might )?happens? to me\b",
        conditional=True,
    ),
    _rule(
        "fear.knows_where",
        FEAR_OF_OFFENDER,
        rf"\b(?:{_SUBJ}|his family|his mates) (?:\w+ )?(?:knows?|found out|find out|worked out) "
        r"where (?:i|we) (?:live|am|are|stay|work|moved|have moved)\b"
        rf"|\b(?:{_SUBJ}|his family) (?:\w+ )?(?:found|has found|knows|got|tracked down) "
        r"(?:my|our) (?:new )?(?:address|house|flat|home|number|location)\b",
    ),
    _rule(
        "misconduct.disclosure",
        (MISCONDUCT, FEAR_OF_OFFENDER),
        r"\b(?:told|gave|showed|passed|leaked) (?:my ex|him|her|the offender|the suspect|his "
        r"family) (?:\w+ ){0,2}?(?:where i|my (?:new )?(?:address|number|location))\b",
        officer=True,
    ),
    _rule(
        "fear.presence",
        FEAR_OF_OFFENDER,
        r"\b(?:he|she|they|my ex) (?:is|are|was|were|has|have|keeps?|kept)(?: been)? (?:still )?"
        r"(?:driving|walking|hanging|sitting|parked|waiting|standing|coming|turning up|outside|here|"
        r"at my|at the door|round my|near my|back)\b[^.!?;]{0,40}"
        r"|\b(?:keep|kept|keeps) seeing (?:him|her|them)\b",
    ),
    _rule(
        "fear.contact",
        FEAR_OF_OFFENDER,
        r"\b(?:he|she|they|my ex|his family|her family)(?: is| are| has been| have been)? "
        r"(?:still |keeps? |kept |again )(?:\w+ )?(?:contacting|messaging|texting|calling|ringing|"
        r"following|watching|stalking|sending|turning up|coming round)\b"
        r"|\b(?:sending|texting|messaging|calling|ringing)\b[^.!?;]{0,25}\bagain\b",
    ),
    _rule(
        "fear.bail",
        FEAR_OF_OFFENDER,
        r"\b(?:breach\w*|broke|broken) (?:his |her |their |the )?(?:bail|order|injunction|"
        r"conditions)\b|\b(?:got|on|given) bail\b[^.!?;]{0,40}\b(?:lives|living|round the corner|"
        r"streets? away|near)\b|\b(?:he|she|they) (?:was|were|has been|have been|got|is) "
        r"(?:released|let out|bailed)\b|\bwhile (?:he|she|they) (?:is|are) out\b",
    ),
    _rule(
        "fear.pl",
        FEAR_OF_OFFENDER,
        r"\b(?:boje|boimy) sie\b|\bsie (?:boje|boimy)\b|\bwie,? gdzie (?:mieszkam|mieszkamy|jestem)\b"
        r"|\bczuje sie (?:zagrozon\w*|zastraszon\w*)\b|\b(?:jestem )?przerazon\w*"
        r"|\b(?:nachodzi|sledzi|obserwuje) mnie\b|\bstoi pod (?:blokiem|domem|moim)\b"
        r"|\b(?:ciagle|wciaz|nadal) (?:do mnie )?(?:pisze|dzwoni|przychodzi|stoi)\b",
    ),
    _rule(
        "fear.pl_unsafe",
        FEAR_OF_OFFENDER,
        r"\bnie czuje sie (?:\w+ )?bezpieczn\w*",
        negatable=False,
    ),
    _rule(
        "fear.other",
        FEAR_OF_OFFENDER,
        r"ভয় (?:পাচ্ছি|লাগছে|করছে)|خائف|اخاف|ڈر لگ|ڈرتی ہوں|ڈرتا ہوں|\btengo miedo\b"
        r"|\btenho medo\b|\bmi-e frica\b|\bkorkuyorum\b|боюся|боюсь|\bbijau\b|\bho paura\b"
        r"|\bj ai peur\b",
        negatable=False,
    ),
    # requests for help or contact
    _rule(
        "help.please_help",
        HELP_REQUEST,
        r"\bplease (?:\w+ )?help\b|\bhelp me\b(?! (?:with|to|fill|understand|get))"
        r"|(?:^|[.!?] )help(?: me)? ?(?:[.!]|$)|\bhelp ?!|\bsomeone help\b",
        conditional=True,
    ),
    _rule(
        "help.need",
        HELP_REQUEST,
        r"\bi (?:really |urgently |desperately |just )?need (?:some |urgent )?(?:help|support|"
        r"someone|somebody|an officer|to (?:talk|speak) to (?:someone|somebody|an officer))\b"
        r"|\bnowhere (?:to stay|to sleep|to go|safe)\b",
        conditional=True,
    ),
    _rule(
        "help.contact_me",
        HELP_REQUEST,
        r"\b(?:can|could|would|will|please|may) (?:someone|somebody|anyone|an officer|you|the "
        r"officer|officer|a person|somebody) (?:\w+ )?(?:call|ring|phone|contact|text|email|"
        r"check on|come and see|come round|visit|help|speak to|talk to|get in touch with) "
        r"(?:me|us)\b"
        r"|\bi would like (?:someone|somebody|an officer|a call|to speak to someone)\b"
        r"|\b(?:can|could|may) i (?:please )?(?:speak|talk) to (?:someone|somebody|an officer|a "
        r"person)\b"
        r"|\bplease (?:can you |could you )?(?:call|ring|phone|contact|get in touch|text me|"
        r"email me)\b|\b(?:call|ring|phone|contact) me (?:back )?(?:please|asap|urgently|now|"
        r"today)\b",
        conditional=True,
    ),
    _rule(
        "help.pl",
        HELP_REQUEST,
        r"\bprosze o (?:pomoc|kontakt|telefon)\b|\bpomocy\b|\bpotrzebuje pomocy\b|\bratunku\b"
        r"|\bniech ktos (?:\w+ ){0,2}?(?:zadzwoni|skontaktuje|pomoze)\b|\bzadzwoncie do mnie\b",
        conditional=True,
    ),
    _rule(
        "help.other",
        HELP_REQUEST,
        r"ساعدوني|ساعدني|النجدة|مدد کر|مدد چاہی|সাহায্য (?:করুন|দরকার|চাই)|বাঁচাও"
        r"|\bam nevoie de ajutor\b|\bajutati-ma\b|\bnecesito ayuda\b|\bayudenme\b|\bayudame\b"
        r"|\bpreciso de ajuda\b|\bsocorro\b|\byardim edin\b|\bimdat\b|\bpadekite\b"
        r"|\breikia pagalbos\b|допоможіть|помогите|\baidez-moi\b|\bau secours\b|\baiutatemi\b",
        negatable=False,
    ),
    # misconduct: sexual approach, violence, intoxication, theft, corruption, prejudice
    _rule(
        "misconduct.sexual",
        MISCONDUCT,
        r"\basked me out\b(?! of)|\b(?:asking|asked) (?:me )?(?:if|whether) i (?:was|am|were) single\b"
        r"|\basked (?:me )?for my (?:number|phone number) (?:for|because)\b|\bfor personal reasons\b"
        r"|\b(?:comment\w*|remarks?) (?:on|about) my (?:body|figure|looks|appearance|chest|breasts|"
        r"bum|legs|outfit|what i was wearing)\b|\btouched (?:me|my (?:leg|knee|thigh|bum|breast|"
        r"chest|hair|face|waist|bottom))\b|\b(?:came on to|hit on|tried it on with|flirt\w* with|"
        r"kissed|winked at) me\b|\bthank (?:him|her) later\b|\b(?:sexual|sexually|inappropriate (?:texts|messages|comments|touching))\b"
        r"|\b(?:messag\w*|added|texted|followed|contacted) me on (?:facebook|instagram|snapchat|"
        r"whatsapp|tiktok|social media)\b|\bzaprosil\w* mnie na randk\w*|\bpodrywal\w*",
        urgent=True,
    ),
    _rule(
        "misconduct.private_contact",
        MISCONDUCT,
        r"\b(?:got|took|used|asked for|kept) my (?:phone )?(?:number|details)\b[^.!?;]{0,60}"
        r"\b(?:text\w*|messag\w*|call\w*|ring\w*|phon\w*)\b[^.!?;]{0,30}\b(?:night|midnight|"
        r"personal|drink|date|weekend)\b",
        urgent=True,
        officer=True,
    ),
    _rule(
        "misconduct.violence",
        MISCONDUCT,
        rf"\b(?P<subj>{_OFFICER}|he|she|they|one of them) (?:\w+ ){{0,2}}?{_VIOLENCE} "
        r"(?:me|my|him|her|us)\b|\b(?P<subj2>policjant\w*|funkcjonariusz\w*) (?:mnie )?"
        r"(?:uderzyl\w*|popchnal\w*|szarpal\w*|kopnal\w*|pobil\w*)",
        urgent=True,
        officer=True,
    ),
    _rule(
        "misconduct.intoxicated",
        MISCONDUCT,
        rf"\b(?P<subj>{_OFFICER}|he|she|they) (?:\w+ ){{0,3}}?(?:was|were|is|seemed|looked|smelt|"
        r"smelled|smelling|stank|stunk|reeked|appeared|sounded|seemed to be) (?:\w+ ){0,2}?"
        r"(?:drunk|pissed|tipsy|intoxicated|high|stoned|hungover|under the influence|of (?:alcohol|booze|drink|beer|"
        r"wine|weed|cannabis|spirits))\b|\bsmel\w* (?:of )?(?:alcohol|booze|drink|weed|cannabis) "
        rf"on (?:the (?:{_OFFICER})|him|her|them|his breath|her breath)\b"
        r"|\b(?P<subj2>policjant\w*|funkcjonariusz\w*) (?:byl\w* )?(?:pijan\w*|pod wplywem)",
        officer=True,
    ),
    _rule(
        "misconduct.theft",
        MISCONDUCT,
        rf"\b(?P<subj>{_OFFICER}|one of them) (?:\w+ ){{0,3}}?(?:took|stole|nicked|pocketed|"
        r"helped (?:himself|herself) to) (?:\w+ ){0,3}?(?:money|cash|£|\d+ ?(?:pounds|quid)|wallet|"
        r"purse|watch|jewell?ery|ring|phone|from my)\b(?![^.!?;]{0,30}\b(?:evidence|receipt|exhibit|"
        r"property store)\b)|\bpocketed\b",
        officer=True,
    ),
    _rule(
        "misconduct.corruption",
        MISCONDUCT,
        r"\b(?:if|unless) i (?:paid|pay|gave|give) (?:him|her|them)\b|\bmake (?:it|the case) go away"
        r"\b|\bbribe\w*|\bbackhander|\bwanted money\b|\blapowk\w*",
    ),
    _rule(
        "misconduct.prejudice",
        MISCONDUCT,
        r"\b(?:racist|racial|sexist|homophobic|transphobic|islamophobic|antisemitic|bigoted|"
        r"discriminatory) (?:\w+ )?(?:comments?|remarks?|jokes?|slurs?|language|names?|abuse)\b"
        r"|\bgo back to (?:where|your|their|our) (?:own )?(?:you|we|they|country|came)\b"
        r"|\bwhere (?:i|you) (?:am|are) (?:really )?from\b|\bjokes? about my (?:accent|skin|colou?r|"
        r"religion|hijab|turban|race|ethnicity|sexuality|disability)\b|\brasistowsk\w*"
        r"|\bcalled (?:me|her|him|us|my \w+) (?:a name|names|a \w+ (?:name|slur))\b"
        r"|\bcalled (?:me|her|him|us|my \w+) an? (?:idiot|liar|slag|bitch|slut|cow|junkie|"
        r"nutter|retard)\b",
        officer=True,
    ),
)
_PRONOUNS = frozenset({"he", "she", "they", "one of them"})


def _officer_context(m: re.Match[str], text: str, clause: str) -> bool:
    """Whether a misconduct match is about the police rather than the offender."""
    subj = m.groupdict().get("subj") or m.groupdict().get("subj2")
    if subj and subj not in _PRONOUNS:
        return True  # the officer is the subject
    officer, other = _OFFICER_WORD.search(clause), _THIRD_PARTY.search(clause)
    if subj:
        # "he" in a comment about the officer, not "they arrested him when he was drunk"
        return not other and not _THIRD_PARTY.search(text)
    if officer and (not other or officer.start() < other.start()):
        return True  # "the officer made homophobic jokes about me and my wife"
    return not other and not _THIRD_PARTY.search(text)


def _counts(rule: _Rule, m: re.Match[str], text: str) -> bool:
    before = _window(text, m.start())
    inside = _TOKEN.findall(m.group(0))
    # A match that starts with its own subject ("i will ...", "he knows ...") carries
    # its own negation; words before it belong to another clause ("if you do not
    # do something i will sort him out").
    scope = inside if inside and inside[0] in _SUBJECTS else before + inside
    if rule.negatable and _NEGATORS.intersection(scope):
        return False
    if rule.question and _QUESTION.intersection(before + inside):
        return False
    if rule.conditional and (_CONDITIONAL.intersection(before) or "what to do" in " ".join(before)):
        return False
    clause = _clause(text, m.start(), m.end())
    if rule.past and _PAST.intersection(before) and "still" not in clause.split():
        return False
    if rule.benign_after and rule.benign_after.match(text, m.end()):
        return False
    return not (rule.officer and not _officer_context(m, text, clause))


# --- language --------------------------------------------------------------------

_LATIN = re.compile(r"[a-z]")
_LETTER = re.compile(r"[^\W\d_]")
_EN_WORDS = frozenset(
    "the and i to was me my he she they is not it of a in for you very officer police "
    "thank thanks good great kind helpful".split()
)
_PL_WORDS = frozenset("i nie sie na ze jest bylo bardzo dziekuje mnie do to policjant".split())


def base_language(language: str) -> str:
    """The primary subtag, lower case: "pl-PL" → "pl", "" → "en"."""
    return (language or "en").replace("_", "-").split("-")[0].strip().lower() or "en"


def _can_screen(norm: str, language: str) -> bool:
    letters = _LETTER.findall(norm)
    if not letters:
        return True
    latin = sum(1 for ch in letters if _LATIN.match(ch))
    if latin < 0.7 * len(letters):
        return False  # mostly another script: our rules are for English and Polish
    if base_language(language) in SCREENED_LANGUAGES:
        return True
    # The page was in another language but the comment may be in English or Polish.
    words = _TOKEN.findall(norm)
    known = sum(1 for w in words if w in _EN_WORDS or w in _PL_WORDS)
    return len(words) >= 3 and known >= 0.25 * len(words)


# --- the screen --------------------------------------------------------------------


def screen(text: str, language: str = "en") -> Screen:
    """Screen one comment. Never raises for any str; returns no categories for
    empty text. `screened` is False when the comment is not in a language the
    rules cover: a person must read it (a few keywords may still flag it)."""
    if not isinstance(text, str) or not text.strip():
        return Screen()
    norm = normalise(text)
    found: set[str] = set()
    matched: list[str] = []
    urgent_misconduct = False
    for rule in _RULES:
        for m in rule.pattern.finditer(norm):
            if _counts(rule, m, norm):
                found.update(rule.categories)
                matched.append(rule.id)
                urgent_misconduct = urgent_misconduct or rule.urgent
                break
    categories = tuple(c for c in CATEGORIES if c in found)
    urgent = bool(URGENT_CATEGORIES & found) or urgent_misconduct
    return Screen(
        categories=categories,
        urgent=urgent,
        matched=tuple(matched),
        screened=_can_screen(norm, language),
    )


def screen_all(texts: Iterable[str], language: str = "en") -> Screen:
    """Screen several comments of one response ("what went well", "what could
    be better") and combine: any category found in any of them counts."""
    results = [screen(t, language) for t in texts if t and t.strip()]
    if not results:
        return Screen()
    found = {c for r in results for c in r.categories}
    return Screen(
        categories=tuple(c for c in CATEGORIES if c in found),
        urgent=any(r.urgent for r in results),
        matched=tuple(dict.fromkeys(i for r in results for i in r.matched)),
        screened=all(r.screened for r in results),
    )
