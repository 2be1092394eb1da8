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

Since round 4 a deliberately broad "danger net" (rule ids "net.*") sits on top of
the phrase and combination rules: first-person distress, the offender acting now or
again, hopelessness, worried requests for contact, and physical or sexual conduct
near an officer. Its hits are urgent; it trades precision for recall.

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
        # "won't stop texting me", "can't stop shaking" are emphatic, not negated
        (
            r"\b(?:won'?t|wont|can'?t|cant|cannot|doesn'?t|doesnt|hasn'?t|hasnt|haven'?t|havent|"
            r"didn'?t|didnt|never) stop(?:ped)?\b",
            "keeps",
        ),
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
    {
        "not",
        "no",
        "never",
        "nothing",
        "none",
        "nor",
        "without",
        "hardly",
        "nie",
        "nigdy",
        "nobody",
        "noone",
        "less",
    }  # "nobody has threatened me since", "feel less scared"
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
    needs: re.Pattern[str] | None = None  # must also occur in the clause (e.g. "still", "again")
    offender: bool = False  # a pronoun subject must not be the officer ("he turned up late")
    # Danger net (round 4): broad, high-recall rules.
    near_officer: bool = False  # an officer is named in the sentence, not a third party's act
    needs_text: re.Pattern[str] | None = None  # must also occur anywhere in the comment
    perfect_ongoing: bool = False  # "I have been scared" is ongoing, not past


def _rule(rule_id: str, cats: str | tuple[str, ...], pattern: str, **kw: object) -> _Rule:
    cats = (cats,) if isinstance(cats, str) else cats
    return _Rule(rule_id, cats, re.compile(pattern), **kw)  # type: ignore[arg-type]


_W = r"(?:\w+ )"  # one filler word
_SUBJ = r"(?:he|she|they|him|her|them|my ex|the offender|the suspect)"
_FEAR_WORD = r"(?:scared|afraid|frightened|terrified|petrified|fearful|panicking|dread|dreading)"
_BENIGN_FEAR = re.compile(
    r"\W*(?:\w+ ){0,5}?(?:the case|my case|this case|court|trial|giving evidence|evidence|"
    r"process|outcome|verdict|dropped|dog|nobody would|no one would|believe|ignored|"
    r"forms|insurance|jury|the police|losing|exams?|revision|driving test|job interview|"
    r"interview|dentist|flying|spiders|heights|needles|bills|rent|mortgage)\b"
)
_VIOLENCE = r"(?:hit|punched|slapped|kicked|pushed|shoved|grabbed|assaulted|strangled|choked|manhandled|threw|dragged|tasered)"

_OFFENDER_SUBJ = (
    r"(?:he|she|they|my ex|the offender|the suspect|the man|the woman|this man|someone|somebody|"
    r"a man|a car|a van|(?:his|her) (?:car|van|family|mates|friends|brother|sister|mum|dad|cousin|son|"
    r"daughter|girlfriend|boyfriend|wife|husband|partner|new partner))"
)
# Marks an offender's contact as ongoing or recent: "again", "keeps", "every night", "yesterday".
_ONGOING = re.compile(
    r"\b(?:still|again|keeps?|kept|every|always|constantly|all the time|non ?stop|now|tonight|"
    r"today|yesterday|last night|this (?:morning|week|evening|weekend)|the other (?:day|night)|"
    r"recently|since|been|started|starting|daily|nightly|most (?:days|nights|mornings)|all night|at night)\b"
)
_STRONG_ONGOING = re.compile(
    r"\b(?:still|again|keeps?|every (?:night|day|time|morning)|all the time|constantly|tonight|"
    r"non ?stop|at night|all night|daily|nightly)\b"
)
# "he called me back", "he turned up late", "they followed up my case": the officer, not the offender.
_BENIGN_CONTACT = re.compile(
    r"\W*(?:back\b|late\b|on time\b|quickly\b|promptly\b|within\b|in (?:\d+|minutes|an hour)\b|"
    r"eventually\b|(?:case|report|complaint|statement|instructions|advice|progress|lead|claim|"
    r"procedure|up)\b|with (?:an? |the )?(?:update|news|outcome|results|statement|forms)|"
    r"to (?:check|update|let|see how|explain|say sorry|apologi|ask how|arrange|book|confirm|give|"
    r"take|collect|return|finish|fix|fit|install|do|get a statement)|about (?:the|my) (?:case|report|"
    r"claim|statement|appointment|crime)|for (?:a|my|the|an) (?:statement|update|interview|details)|"
    r"(?:\w+ ){1,4}?(?:to (?:take|collect|return|finish|fix|fit|install|get a statement|give me|"
    r"update|apologi|explain|drop off)|with (?:an? |the )?update))"
)
_OFFENDER_PRONOUNS = frozenset({"he", "she", "they"})
_REQUEST_WORDS = frozenset({"can", "could", "would", "will", "please", "may", "wish", "if"})

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
        rf"\b(?:{_SUBJ}|someone|his \w+|her \w+) (?:said |says |told me |keeps saying |"
        r"texted |messaged |shouted |warned me |threatened |wrote )?(?:that )?"
        r"(?:he |she |they )?(?:will|would|is going to|are going to|going to) "
        r"(?:\w+ ){0,2}?(?:kill|hurt|stab|burn|batter|beat|shoot|get|do|smash|break|cut|slash|glass|"
        r"punch|kick|hit|attack|strangle|rape|torch|harm|finish|end|bash|knife) "
        r"(?:me|my|us|you|your|him|her|the kids)\b"
        rf"|\b{_SUBJ} (?:will|would|is going to) (?:make me pay|do me in|finish me)\b",
        question=True,
    ),
    _rule(
        "threat.words",
        THREAT,
        r"\b(?:saying|said|says|told me|telling me|message)[^.!?;]{0,30}\b(?:i am|you are|your) "
        r"(?:dead|next|going to die|finished|done for|dead meat|a dead man|going to get it)\b|\bsnitches get stitches\b|\bwe know where (?:you|your)\b"
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
        "threat.veiled",
        THREAT,
        r"\bi (?:do not|can not) (?:know|say|promise|be responsible for) what i (?:will|would|might|"
        r"am going to|could) do\b|\bi will not be responsible for (?:my actions|what i do)\b",
        negatable=False,
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
        r"(?:living|live|life|being alive|being here|going on|carrying on)\b|\bend(?:ing)? (?:it all|my life|things)\b|\bnot waking up\b"
        r"|\bwant (?:it|this|everything) (?:all )?to (?:end|stop) (?:forever|for good|permanently)\b"
        r"|\bwant it all to end\b|\bthoughts of (?:dying|death|ending)\b|\bdark thoughts\b|\b(?:done|finished) with "
        r"(?:life|living|it all)\b|\bhad enough of (?:life|living)\b|\bno point (?:any ?more|"
        r"going on|in anything)\b",
        negatable=False,
    ),
    _rule(
        "self_harm.broad",
        SELF_HARM,
        r"\bbetter off dead\b|\b(?:rather|might as well|may as well) (?:be )?(?:dead|die)\b"
        r"|\btak(?:e|ing) my (?:own )?life\b|\bend(?:ing)? my (?:own )?life\b"
        r"|\b(?:want|wanted|going|thinking|think|thought|plan\w*|tempted|ready|feel like|decided)"
        r" (?:about |of |to )?(?:end|ending) it\b(?! with)|\bwish (?:he|she|they) (?:had|would have)"
        r" killed me\b|\btired of (?:living|life|being alive)\b|\bgive up on (?:life|living)\b"
        r"|\b(?:jump|jumping|throw myself) (?:off a|off the|in front of)\b|\bslit\w* my wrists\b"
        r"|\bdisappear (?:forever|for good)\b|\bstockpil\w*|\bwant to disappear\b",
    ),
    _rule(
        "self_harm.ideation_more",
        SELF_HARM,
        r"\bno reason to (?:live|go on|carry on|be here)\b|\bnothing (?:left )?to live for\b"
        r"|\bnot worth living\b|\bnever wake up\b|\bnot (?:be )?around (?:for )?much longer\b"
        r"|\bno point (?:in )?(?:living|being alive|carrying on|being here)\b|\bcan not carry on\b",
        negatable=False,
    ),
    _rule(
        "self_harm.pl",
        SELF_HARM,
        r"\b(?:zabic sie|zabije sie|sie zabic|sie zabije|odebrac sobie zycie|samoboj\w*|samookalecz\w*|tne sie|"
        r"skoncze ze soba)\b|\bnie chce (?:juz )?zyc\b|\bmam dosc (?:zycia|wszystkiego)\b",
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
        benign_after=_BENIGN_CONTACT,
        offender=True,
    ),
    _rule(
        "fear.bail",
        FEAR_OF_OFFENDER,
        r"\b(?:breach\w*|broke|broken) (?:his |her |their |the )?(?:bail|order|injunction|"
        r"conditions)\b|\b(?:got|on|given) bail\b[^.!?;]{0,40}\b(?:lives|living|round the corner|"
        r"streets? away|near)\b|\b(?:he|she|they) (?:was|were|has been|have been|had been|would "
        r"been|would have been|is been|got|is|being) (?:released|let out|bailed)\b|\b(?:he|she|they)"
        r" (?:is|are|got|gets|will be) out (?:of (?:prison|jail|custody)|on bail|already|early)\b|\bwhile (?:he|she|they) (?:is|are) out\b",
    ),
    # Combinations: danger vocabulary next to the offender, the writer, or an
    # ongoing/recent marker, rather than fixed phrases.
    _rule(
        "fear.presence_near",
        FEAR_OF_OFFENDER,
        rf"\b{_OFFENDER_SUBJ} (?:\w+ ){{0,3}}?(?:(?:turn|show)(?:s|ed|ing)? up\b|"
        r"(?:follow|watch|stalk|track)\w* (?:me|us|my|our|the (?:house|flat|kids|children))\b|"
        r"(?:waiting|hanging|loitering|lurking|sat|sitting|stood|standing|parked|parking|driving|"
        r"walking) (?:around |round |about |outside |near |past |by |for me\b|(?:on|in|at|down|up|"
        r"across|opposite) (?:my|our) )|"
        r"(?:looking|asking) (?:around |about |after )?(?:for )?(?:me|us)\b|"
        r"(?:came|come|comes|coming) (?:back|round|over|looking|after me|for me)\b|found (?:me|us)\b|"
        r"asking (?:\w+ )?where (?:i|we) (?:am|are|live|work|stay)\b|"
        r"(?:outside|near|round|opposite|at the end of) (?:my|our)\b)",
        benign_after=_BENIGN_CONTACT,
        offender=True,
        conditional=True,
    ),
    _rule(
        "fear.contact_ongoing",
        FEAR_OF_OFFENDER,
        rf"\b{_OFFENDER_SUBJ} (?:\w+ ){{0,3}}?(?:(?:contact|messag|text|call|ring|phon|email|dm|"
        r"inbox|harass|pester|hound|bother|send|sent|mess)\w* (?:\w+ ){0,2}?(?:me|us|my|our)\b|"
        r"(?:been|got|getting|get|gets) in (?:touch|contact)\b)",
        benign_after=_BENIGN_CONTACT,
        offender=True,
        needs=_ONGOING,
        conditional=True,
    ),
    _rule(
        "fear.weapon",
        (THREAT, FEAR_OF_OFFENDER),
        rf"\b{_OFFENDER_SUBJ} (?:\w+ ){{0,2}}?(?:has|have|got|carries|carrying|keeps|owns|bought|"
        r"pulled|waving|waved|brandish\w*|showed me) (?:a |an |his |her )?(?:knife|knives|gun|"
        r"weapon|machete|blade|axe|hammer|acid|firearm)\b",
        offender=True,
    ),
    _rule(
        "fear.physical",
        FEAR_OF_OFFENDER,
        r"\b(?:shaking|trembling|on edge|jumpy|panic attacks?|panicking|hiding from (?:him|her|them)"
        r"|scared stiff|a nervous wreck|jump at every|every (?:knock|noise|car))\b",
        needs=re.compile(r"\b(?:i|me|my|we|us)\b"),
        conditional=True,
        past=True,
    ),
    _rule(
        "fear.worry_ongoing",
        FEAR_OF_OFFENDER,
        r"\b(?:worried|anxious|nervous|uneasy|paranoid|stressed)\b",
        needs=_STRONG_ONGOING,
        conditional=True,
        past=True,
        benign_after=_BENIGN_FEAR,
    ),
    _rule(
        "fear.next",
        FEAR_OF_OFFENDER,
        r"\bin case (?:it is|its) (?:him|her|them)\b|\bi (?:think|reckon|feel like|know) (?:i am|we are|my \w+(?: is| are)?) next\b",
    ),
    _rule(
        "fear.pl",
        FEAR_OF_OFFENDER,
        r"\b(?:boje|boimy) sie\b|\bsie (?:boje|boimy)\b|\bwie,? gdzie (?:mieszkam|mieszkamy|jestem)\b"
        r"|\bczuje sie (?:zagrozon\w*|zastraszon\w*)\b|\b(?:jestem )?przerazon\w*"
        r"|\b(?:nachodzi|sledzi|obserwuje|neka) mnie\b|\bmnie (?:nachodzi|sledzi|obserwuje|neka)\b"
        r"|\bjestem w niebezpieczenstwie\b|\b(?:znowu|znow) (?:mnie |do mnie )?(?:pisze|dzwoni|"
        r"przychodzi|stoi|sledzi|nachodzi|neka|obserwuje)\b|\bstoi pod (?:blokiem|domem|moim)\b"
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
        "help.urgent",
        HELP_REQUEST,
        r"\b(?:this is|it is|its|very|really|extremely) urgent\b|\burgent(?:ly)? (?:help|contact|"
        r"call|callback|response|please)\b|\bi need (?:\w+ ){0,3}?(?:urgently|asap|now|straight "
        r"away)\b|\bwhat (?:do|should|can) (?:i|we) do\b(?! (?:about|with) (?:my |the )?(?:insurance|"
        r"claim|car|bike|phone|forms?|compensation|property|crime number|reference))"
        r"|\b(?:someone|somebody|anyone) (?:please )?(?:contact|call|ring|phone|help|text|check on) "
        r"(?:me|us)\b|\bplease (?:\w+ )?(?:respond|reply|get back to me|do something)\b",
        conditional=True,
    ),
    _rule(
        "help.pl",
        HELP_REQUEST,
        r"\bprosze o (?:pilny |pilna |szybki |pilne |natychmiastowy )?(?:pomoc|kontakt|telefon)\b"
        r"|\bpilnie\b|\bpomozcie\b|\bpomoz(?:cie)? mi\b|\bpomocy\b|\bpotrzebuje pomocy\b|\bratunku\b"
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
        "misconduct.sexual_remark",
        MISCONDUCT,
        r"\b(?:comment\w*|remark\w*|said|saying|told me|telling me|called me|joke\w*)\b"
        r"[^.!?;]{0,40}?\b(?:me|i|you) (?:being |was |am |were |are |look\w* |seem\w* )?(?:\w+ )?"
        r"(?:too |so |very |really )?(?:pretty|sexy|hot|gorgeous|fit|attractive|cute|beautiful|"
        r"stunning|nice (?:legs|body|figure|bum|eyes))\b",
        urgent=True,
        officer=True,
    ),
    _rule(
        "misconduct.sexual_officer",
        MISCONDUCT,
        r"\b(?:touching|touched|stroking|stroked|rubbing|rubbed|grabbing|grabbed) (?:me|my) (?:\w+ )?"
        r"(?:arm|shoulder|back|hand|hair|face|leg|knee|thigh|waist|bum|bottom|chest)\b"
        r"|\basked (?:me )?(?:if|whether) i (?:had|have|was seeing) (?:a |anyone|someone)"
        r"(?:boyfriend|girlfriend|partner|husband|wife)?\b",
        urgent=True,
        officer=True,
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
        r"|\b(?:slurs?|n word|p word)\b"
        r"|\bcalled (?:me|her|him|us|my \w+) an? (?:idiot|liar|slag|bitch|slut|cow|junkie|"
        r"nutter|retard)\b|\bcalled (?:me|her|him|us|my \w+) an? \w+ (?:idiot|liar|slag|bitch|slut|"
        r"cow|junkie|nutter|retard|whore)\b|\byou people\b|\bpeople like (?:you|me|us|him|her|them)\b",
        officer=True,
    ),
)

# --- the danger net ----------------------------------------------------------------
#
# Round 4. The phrase and combination rules above reached urgent recall 0.44 on a
# blind batch (batch 4). The net below is deliberately broad and was designed from
# general principles, not from test sentences: any first-person fear or distress,
# the offender doing something now or again, hopelessness, a request to be contacted
# by someone who is worried, and physical, sexual or money words near an officer.
# Its hits are urgent (a person reads the urgent queue); precision is traded for
# recall. The same negation, condition, past/resolved and "fear of what" checks apply.

_NET_FIRST_PERSON = re.compile(r"\b(?:i|me|myself|we|us)\b")  # "my daughter is anxious" is not
_NET_DISTRESS = (
    r"(?:scared|afraid|frightened|terrified|petrified|fearful|frighten\w*|scary|terror|dread\w*|"
    r"worried|worrying|anxious|anxiety|nervous|uneasy|paranoid|panic\w*|unsafe|vulnerable|"
    r"exposed|on edge|shaking|shaken|trembling|jumpy|nightmares|flashbacks?|"
    r"crying (?:all|every|myself)|in (?:bits|pieces|a state)|jump\w* (?:at|every time|whenever)|"
    r"(?:heart|stomach) (?:drops|races|sinks|pounds)|"
    r"falling apart|breaking down|a (?:mess|wreck)|hiding|intimidated|distraught|desperate|"
    r"traumati[sz]ed|hypervigilant|freaked out|freaking out|(?:feel|feeling) (?:sick|trapped|"
    r"watched|hunted|followed|helpless|hopeless|alone|isolated))"
)
# "scared of the exam", "nervous about court", "worried about my insurance": not the offender.
_NET_BENIGN_AFTER = re.compile(
    r"\W*(?:\w+ ){0,5}?(?:the case|my case|this case|court|trial|giving evidence|evidence|"
    r"process|outcome|verdict|dropped|dog|nobody would|no one would|believe|ignored|forms?|"
    r"insurance|jury|the police|losing|exams?|tests?|results|interview|job|work deadline|"
    r"money|bills|rent|mortgage|the dentist|dentist|flying|spiders|driving test|my health|"
    r"the operation|surgery|school work|homework|update|an update|news|paperwork|compensation|"
    r"claim|my car|my phone|my bike|the cost|the fine|getting my (?:phone|bike|car|things|property)"
    r"|(?:in|of) (?:the )?(?:car|queue)|for (?:an? )?(?:update|reply|answer|response|callback))\b"
)
_NET_IDIOM = re.compile(
    r"\b(?:dead (?:frustrating|annoying|slow|boring|good|nice|helpful|kind|easy|quick|lucky)|"
    r"die of (?:embarrassment|shame|boredom)|kill switch|killing time|to die for|scared the life|"
    r"no fear|never fear|fear not|panic over|panic buying|nervous (?:laugh|energy)|"
    r"worried (?:sick )?about (?:my |the )?(?:dog|cat|exams?)|scared of (?:spiders|heights|dogs|needles|flying))\b"
)
# Distress that is negative by nature ("I can't sleep", "not coping"): no negation check.
_NET_DISTRESS_NEGATIVE = (
    r"(?:(?:can not|do not|did not|have not|not|barely|hardly) (?:\w+ )?(?:sleep|sleeping|slept|eat|"
    r"eating|go out|leave the house|stop crying|relax|cope|coping|settle|breathe|function|feel safe "
    r"anywhere)|how much (?:more|longer) (?:of this )?(?:i|we) can (?:take|cope|stand)|"
    r"(?:can not|do not) (?:take|handle|stand) (?:this|it|much more|any more|anymore))"
)
_NET_OFFENDER = (
    r"(?:he|she|they|my ex|my former partner|the offender|the suspect|the accused|the defendant|"
    r"the man|the woman|the guy|the lad|the bloke|this man|that man|a man|someone|somebody|"
    r"people|the neighbou?rs?|my neighbou?rs?|(?:his|her|their) (?:car|van|bike|"
    r"family|friends?|mates?|pals?|mum|dad|mother|father|brothers?|sisters?|cousins?|sons?|"
    r"daughters?|boys|lot|gang|people|crew|new (?:partner|girlfriend|boyfriend)|girlfriend|"
    r"boyfriend|wife|husband|partner|lawyer|solicitor))"
)
_NET_ACTION = (
    r"(?:contact\w*|messag\w*|text\w*|call(?:ed|ing|s)?|ring\w*|rang|phon\w*|email\w*|"
    r"dm\w*|inbox\w*|writ\w*|wrote|post\w*|tag\w*|send\w*|sent|leav\w*|left|"
    r"turn\w* up|show\w* up|appear\w*|(?:came|come|comes|coming) (?:round|back|to|over|by|past|"
    r"up to|looking)|(?:drove|drive\w*|walk\w*|went|go\w*) (?:past|by|round|up and down)|"
    r"park\w*|wait\w*|watch\w*|follow\w*|stalk\w*|stand\w*|stood|sat|sitting|hang\w* "
    r"(?:around|about|round)|lurk\w*|loiter\w*|outside|near|nearby|around|back|out|released|"
    r"laugh\w* at|smirk\w*|star\w* at|glar\w*|mock\w*|jeer\w*|shout\w* at|swor\w* at|"
    r"spit\w*|threat\w*|intimidat\w*|harass\w*|pester\w*|bother\w*|approach\w*|knock\w*|"
    r"bang\w*|look\w* for|ask\w* (?:about|after|for|where)|spread\w*|(?:found|find\w*|"
    r"know\w*) (?:me|out where|where)|flowers|gifts?|presents?|cards?|letters?|(?:make|made) me "
    r"regret|say\w* (?:i|you) (?:will|would))"
)
_NET_HOPELESS = (
    r"(?:(?:do not|can not|no longer|fail to|struggle to) see (?:the|any) point|"
    r"(?:what is|whats) the point(?! (?:of|in) (?:reporting|complaining|calling|ringing|"
    r"contacting|telling|asking|the police|this|you|filling))|no point (?:anymore|any more|in "
    r"(?:anything|life|trying|going on|me)|to (?:anything|life|me))|"
    r"can not (?:go on|carry on|keep going|cope|take (?:it|this|any ?more)|do this any ?more|"
    r"live like this|face (?:it|anything|tomorrow))|"
    r"\bend (?:it|things|everything|the pain)\b(?! with)|"
    r"(?:walk|walking|wade|wading|jump|jumping|throw myself) (?:into|in|off|in front of) "
    r"(?:the |a )?(?:sea|river|water|canal|bridge|train|traffic|lorry|bus|cliff|building|roof)|"
    r"not (?:be|being) (?:here|around)(?! (?:for|when|at|on|during|in|until|till|next|this))|"
    r"(?:give|giving|given|gave) up on (?:everything|it all|life|myself|living)|"
    r"nothing (?:left|to live for|matters any ?more)|no way out|no future|"
    r"(?:everyone|everybody|they|my (?:kids|family|children)) (?:would be|are|will be) better "
    r"off without me|a burden|sleep (?:and|forever)|not wake up|disappear|"
    r"(?:pills|tablets|paracetamol|rope|razor|blade)s?\b[^.!?;]{0,30}\b(?:myself|me|end|all)|"
    r"(?:pills|tablets|meds|paracetamol) (?:saved|stashed|stockpiled|hidden|put by)|"
    r"(?:saving|saved|stashing|hoarding|collecting) (?:up )?(?:my |some |the )?(?:pills|tablets|meds|paracetamol)|"
    r"(?:do|did|doing) something (?:stupid|silly|drastic|i (?:will|would) regret)|"
    r"(?:want|wanted|need) (?:it|this|everything|the pain) to (?:stop|end)|make it (?:all )?stop|"
    r"(?:i am|feel|feeling) (?:hopeless|worthless|empty|numb|done|broken)|say(?:ing)? goodbye)"
)
_NET_CONTACT_REQUEST = (
    r"(?:(?:please|can|could|would|will|may|need|want|like) (?:someone |somebody |anyone |you |"
    r"an officer |the officer |officer |a person |somebody |please |to )?(?:please )?"
    r"(?:call|ring|phone|contact|text|email|visit|check on|come (?:round|out|and see)|"
    r"get (?:back )?in touch with|speak to|talk to|get back to) (?:me|us)\b|"
    r"(?:need|want|like|ask\w* for|request\w*|appreciate) (?:a |an |some )?(?:urgent )?"
    r"(?:call|call ?back|phone call|ring|visit|someone to (?:call|ring|contact|talk|speak)|"
    r"to (?:speak|talk) (?:to|with) (?:someone|somebody|an officer|a person|the officer))\b|"
    r"(?:^|[.!?;,] )(?:call|ring|phone|contact|text) me\b|get back to me)"
)
_NET_WORRY = re.compile(
    r"\b(?:scared|afraid|frightened|terrified|worried|worry|worrying|anxious|nervous|unsafe|"
    r"not safe|danger\w*|urgent\w*|asap|desperate|panic\w*|threat\w*|scary|frightening|"
    r"alone|released|out of (?:prison|jail)|bail|again|tonight|he is back|she is back|"
    r"(?:he|she|they|my ex) (?:keeps|has been|is)|help)\b"
)
_NET_MISCONDUCT_URGENT = (
    r"(?:kiss\w*|(?:touch\w*|grop\w*|fondl\w*|strok\w*|rubb\w*|hug\w*) (?:\w+ )?"
    r"(?:me|my|her|his|him|us)\b|hand on my|drink with (?:me|him|her)|(?:for|out for|go for) a "
    r"drink|(?:on |a )date\b|(?:shov|push|grabb?|slamm?|punch|slapp?|kick|throttl|chok|twist|"
    r"pinn?|dragg?|thr[eo]w|smash|hit)\w* (?:\w+ )?(?:me|my|us|her|him|our)\b|hit me|"
    r"(?:too )?rough with (?:me|us))"
)
_NET_MISCONDUCT_MONEY = (
    r"(?:bribe\w*|backhander|(?:ask\w*|want\w*|demand\w*|took|take\w*|wanted|pocket\w*|"
    r"offer\w*|for|give|gave|pay|paid) (?:\w+ ){0,3}?(?:cash|money|£\s?\d+|\d+ ?(?:quid|pounds)|"
    r"a payment))(?![^.!?;]{0,30}\b(?:back|compensation|claim|refund|insurance|reward|evidence|receipt|"
    r"exhibit|property store)\b)"
)

_NET_RULES: tuple[_Rule, ...] = (
    _rule(
        "net.distress",
        FEAR_OF_OFFENDER,
        rf"\b{_NET_DISTRESS}\b",
        conditional=True,
        past=True,
        perfect_ongoing=True,
        benign_after=_NET_BENIGN_AFTER,
        needs=_NET_FIRST_PERSON,
    ),
    _rule(
        "net.distress_negative",
        FEAR_OF_OFFENDER,
        rf"\b{_NET_DISTRESS_NEGATIVE}\b(?! (?:to|for|about|with|waiting|because of) (?:the |my |an |this )?"
        r"(?:case|update|court|trial|process|wait|delays?|forms?|paperwork|response|reply|police|system|"
        r"queue|noise|neighbours? (?:music|party)))",
        negatable=False,
        conditional=True,
        needs=_NET_FIRST_PERSON,
    ),
    _rule(
        "net.offender_now",
        FEAR_OF_OFFENDER,
        rf"\b{_NET_OFFENDER} (?:\w+ ){{0,3}}?{_NET_ACTION}\b",
        conditional=True,
        offender=True,
        needs=re.compile(
            _ONGOING.pattern[:-3] + r"|again|keeps?|outside|near|round|past|every|still|now|back|"
            r"at my|to my|on my|my (?:house|flat|home|door|road|street|work|school|car|window))\b"
        ),
        benign_after=re.compile(r"\W*(?:(?:me|us|my \w+|our \w+) )?" + _BENIGN_CONTACT.pattern[3:]),
    ),
    _rule(
        "net.offender_sighting",
        FEAR_OF_OFFENDER,
        r"\b(?:saw|seen|see|seeing|spotted|noticed|bumped into|ran into|run into|recogni[sz]ed) "
        r"(?:him|her|them|my ex|(?:his|her|their) (?:car|van|bike|family|friends?|mates?|brother|"
        r"sister|mum|dad))\b(?! (?:in|at) (?:court|the dock|the station|the line ?up)| on (?:cctv|"
        r"the video|camera|the footage))",
        conditional=True,
        needs=re.compile(
            r"\b(?:again|keep|keeps|kept|still|every|today|yesterday|tonight|last night|this week|"
            r"outside|near|round|past|at my|on my|in my|down my|in town|at the shops|at school|"
            r"everywhere|in (?:my|the|our) (?:back |front )?(?:garden|street|road|drive|driveway|"
            r"window|car park|stairwell|hallway)|at \d+ ?(?:am|pm)|in the night|at night)\b"
        ),
    ),
    _rule(
        "net.safety_behaviour",
        FEAR_OF_OFFENDER,
        r"\b(?:sleep\w*|slept) with (?:a |the )?(?:knife|bat|hammer|lights? on|door locked|phone in my hand)"
        r"|\b(?:keep|kept|keeping|carry|carrying) (?:a |the )?(?:knife|bat|hammer|weapon) (?:by|near|"
        r"under|in|with|for)\b|\b(?:changed|changing|change) (?:the|my|our) locks\b|\b(?:chair|"
        r"wardrobe|sofa) (?:against|behind) the door\b|\bbarricad\w*|\bcurtains (?:shut|closed) "
        r"(?:all|every)\b|\b(?:afraid|scared|too scared) to (?:go out|leave|open the door)\b"
        r"|\b(?:moving|move|moved|had to move) (?:out|house|away)\b[^.!?;]{0,30}\b(?:because of|"
        r"from|away from) (?:him|her|them|my ex)\b",
        conditional=True,
    ),
    _rule(
        "net.safety_request",
        HELP_REQUEST,
        r"\b(?:can|could|may|please|need|want|would like) (?:i |we |you )?(?:please )?(?:have |get |"
        r"give me |give us |fit |install |sort )?(?:a |an |some |new |another |working )*(?:panic "
        r"alarm|personal alarm|alarm|doorbell camera|cctv|cameras?|new locks|locks changed|refuge|"
        r"safe place|somewhere safe|a move|to be moved|rehoused|rehousing)\b",
        conditional=True,
    ),
    _rule(
        "net.gifts",
        FEAR_OF_OFFENDER,
        r"\b(?:flowers|gifts?|presents?|a card|cards|letters?|parcels?|notes?|a note)\b"
        r"[^.!?;]{0,40}\b(?:from (?:him|her|them|my ex)|left (?:on|at|outside|by|through) my|"
        r"(?:on|at|outside|through) my (?:door|doorstep|car|windscreen|letterbox))\b",
    ),
    _rule(
        "net.taunt",
        THREAT,
        r"\b(?:make|made|making) (?:me|you|us) (?:\w+ )?regret\b|\byou will see\b(?! (?:the|that|it|in|"
        r"on|from|a|an|how|what|your|my|if|when|him|her))|\bwatch (?:yourself|your back|out|your "
        r"step)\b|\byou will (?:pay|be sorry|get yours|get what)\b|\b(?:it|this) is not over\b"
        r"|\bnot finished with (?:you|me)\b|\bcoming for (?:you|me|us)\b|\bget (?:you|me) back\b"
        r"|\bteach (?:you|me) a lesson\b|\bknow where (?:you|i) live\b|\bor else\b|\blast warning\b"
        r"|\byou are (?:dead|finished|next)\b|\bsort (?:you|me) out\b"
        r"|\b(?:get|got|getting) (?:what is|whats|what s) coming\b|\bfinish (?:what|the job)\b"
        r"|\b(?:never|not) see (?:my|your|the|her|his) (?:kids|children|family|daughter|son|baby) again\b"
        r"|\b(?:or|otherwise) (?:you|i) will (?:\w+ )?(?:be sorry|pay|regret)\b",
        negatable=False,
    ),
    _rule("net.hopeless", SELF_HARM, rf"\b{_NET_HOPELESS}", negatable=False),
    _rule(
        "net.hopeless_pl",
        SELF_HARM,
        r"\bnie (?:widze|ma) (?:juz )?(?:\w+ )?sensu\b|\b(?:nie chce|nie moge) (?:juz )?(?:dalej )?"
        r"(?:zyc|zyc dalej|tak zyc)\b|\bdalej zyc\b|\bnie dam (?:juz )?rady\b|\bskoncze z tym\b"
        r"|\bnie ma (?:po co|dla czego) zyc\b",
        negatable=False,
    ),
    _rule(
        "net.contact_worried",
        HELP_REQUEST,
        rf"{_NET_CONTACT_REQUEST}",
        conditional=True,
        needs_text=_NET_WORRY,
    ),
    _rule(
        "net.officer_conduct",
        MISCONDUCT,
        rf"\b{_NET_MISCONDUCT_URGENT}",
        near_officer=True,
        urgent=True,
    ),
    _rule("net.officer_money", MISCONDUCT, rf"\b{_NET_MISCONDUCT_MONEY}", near_officer=True),
    _rule(
        "net.officer_drink",
        MISCONDUCT,
        r"\b(?:been drinking|drunk|slurr\w*|smel\w* (?:strongly )?(?:of|like) (?:alcohol|booze|drink|"
        r"beer|wine|weed|cannabis)|stank of (?:alcohol|booze|drink|beer|weed))\b",
        near_officer=True,
    ),
    _rule(
        "net.officer_abuse",
        MISCONDUCT,
        r"\bgo back (?:to )?where (?:you|we|they) (?:came|come) from\b|\bnazwal\w* mnie\b"
        r"|\b(?:swore|swearing|shouted|shouting|screamed) at me\b",
        near_officer=True,
    ),
)
_RULES = _RULES + _NET_RULES
_PRONOUNS = frozenset({"he", "she", "they", "one of them"})
_SENTENCE_END = re.compile(r"[.!?;]")
_DISTANT_PAST = re.compile(
    r"\b(?:last (?:year|month|summer|winter|spring|autumn|christmas)|years ago|months ago|"
    r"back then|at the time|used to|in the past)\b"
)


def _near_officer(text: str, start: int, end: int) -> bool:
    """An officer is named in the sentence of a misconduct-net match, and the act is
    not a third party's ("the officer said my ex pushed me")."""
    lo = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        lo = m.end()
    m = _SENTENCE_END.search(text, end)
    hi = m.start() if m else len(text)
    officers = list(_OFFICER_WORD.finditer(text, lo, hi))
    if not officers:
        return False
    before = [o for o in officers if o.end() <= start]
    if before:
        between = text[before[-1].end() : start]
        return not _THIRD_PARTY.search(between)
    # "I was shoved by a policeman", but not "the man hit me, but the officer was great"
    if _THIRD_PARTY.search(text, lo, start):
        return False
    return bool(_OFFICER_WORD.search(_clause(text, start, end)))


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


def _offender_context(
    inside: list[str], before: list[str], text: str, clause: str, start: int, loose: bool = False
) -> bool:
    """Whether the subject of an offender-contact match may be the offender, not
    the officer ("he turned up late", "could someone call me", "they came round")."""
    subj = inside[0] if inside else ""
    if subj in {"someone", "somebody"} and _REQUEST_WORDS.intersection(before):
        return False  # "could someone call me" is a request, not contact
    if subj not in _OFFENDER_PRONOUNS:
        return True
    if _OFFICER_WORD.search(clause, 0, max(clause.find(" ".join(inside[:2])), 0)):
        return False  # "the officer said he would come round"
    ongoing = _STRONG_ONGOING.search(clause)
    if loose and subj != "they":
        ongoing = ongoing or _ONGOING.search(clause)  # the net: "since ... he has been posting"
    if subj == "they" and not ongoing:
        return False  # "they turned up within minutes": usually the police
    return bool(ongoing) or not _OFFICER_WORD.search(text) or bool(_THIRD_PARTY.search(text))


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
        perfect = (
            rule.perfect_ongoing
            and re.search(r"\b(?:have|has|i) been\b", " ".join(before))
            and not {"was", "were", "felt", "used", "had"}.intersection(before)
        )
        if not perfect and not (rule.perfect_ongoing and _STRONG_ONGOING.search(clause)):
            return False
    if (
        rule.categories == (FEAR_OF_OFFENDER,)
        and _DISTANT_PAST.search(clause)
        and not _STRONG_ONGOING.search(clause)
    ):
        return False  # "my ex kept turning up last year but ... he hasn't been near"
    if rule.id.startswith("net.") and _NET_IDIOM.search(clause):
        return False
    if rule.needs_text and not rule.needs_text.search(text):
        return False
    if rule.near_officer and not _near_officer(text, m.start(), m.end()):
        return False
    if rule.benign_after and rule.benign_after.match(text, m.end()):
        return False
    if rule.needs and not rule.needs.search(clause):
        return False
    if rule.offender and not _offender_context(
        inside, before, text, clause, m.start(), loose=rule.id.startswith("net.")
    ):
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
