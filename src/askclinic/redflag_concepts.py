"""The text side of the red-flag detector: normalising a message (accents, typos in English and
Spanish, idioms such as "gave me a stroke"), the symptom concepts and per-category rules of
data/redflag_concepts.json with negation, and the scope that sets alarming words aside (a
question about symptoms in general, a past event, family history)."""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

CONCEPTS = Path(__file__).parent / "data" / "redflag_concepts.json"

# --- Normalising and concepts --------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case, accents and apostrophes removed, one space between words."""
    text = unicodedata.normalize("NFKD", (text or "").lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[’‘`'´]", "", text).replace("¿", " ").replace("¡", " ").replace("-", " ")
    return re.sub(r"\s+", " ", text).strip()


_NEG_WORDS = r"\b(?:no|not|without|never|nor|sin|ni|nunca|nobody|denies|dont|didnt|doesnt|isnt|arent|havent|hasnt|wasnt|werent)\b"
_NEG_INSIDE = re.compile(r"\bnot\b|\b(?:isnt|doesnt|dont|didnt|arent|wasnt)\b|\bno longer\b")


@lru_cache(maxsize=1)
def tables() -> dict:
    """data/redflag_concepts.json, compiled: concept patterns (with whether each carries its own
    negation), rules and labels per category, typo words and scope cues."""
    raw = json.loads(CONCEPTS.read_text(encoding="utf-8"))
    compiled = {}
    for name, patterns in raw["concepts"].items():
        inherent = any(re.search(_NEG_WORDS + r"|\b(?:wont|cant|cannot)\b", p) for p in patterns)
        compiled[name] = (re.compile(r"(?<![a-z0-9])(?:" + "|".join(patterns) + r")(?![a-z0-9])"), inherent)
    cues = {
        k: re.compile(r"(?<![a-z0-9])(?:" + "|".join(v) + r")(?![a-z0-9])") for k, v in raw["scope"].items()
    }
    words_es = frozenset(raw["typo_words_es"])
    return {
        "concepts": compiled,
        "rules": raw["rules"],
        "labels": raw["labels"],
        "words": raw["typo_words"],
        "scope": cues,
        "words_es": {_sound(w): w for w in words_es},
    }


def fix_typos(low: str, known: frozenset) -> str:
    """Map misspelt words ('hedache', 'sezure', 'suicdal') to the nearest concept word. Words
    the embedding model's vocabulary knows are left alone, so 'strike' never becomes 'stroke'."""
    words = tables()["words"]
    stems = tuple(w for w in words if len(w) >= 6)
    out = []
    for w in low.split(" "):
        plain = w.strip(",.;:!?")
        if (
            len(plain) >= (4 if known else 6)
            and plain.isalpha()
            and plain not in known
            and plain not in words
            and not plain.startswith(stems)
        ):
            near = difflib.get_close_matches(plain, words, n=1, cutoff=0.85)
            w = w.replace(plain, near[0]) if near else w
        out.append(w)
    return " ".join(out)


def _sound(word: str) -> str:
    """A Spanish word as it sounds: b/v, y/ll, s/z/soft c, k/hard c/qu and silent h are not told apart."""
    w = (
        word.replace("ch", "X")
        .replace("ll", "i")
        .replace("y", "i")
        .replace("qu", "k")
        .replace("v", "b")
        .replace("z", "s")
    )
    w = re.sub(r"c(?=[ei])", "s", w).replace("c", "k").replace("h", "")
    return re.sub(r"(.)\1+", r"\1", w)


def fix_typos_es(low: str) -> str:
    """Map Spanish words spelt as they sound ('cabesa', 'cueyo', 'desmalle', 'fievre') to the
    concept word that sounds the same."""
    sounds = tables()["words_es"]
    out = []
    for w in low.split(" "):
        plain = w.strip(",.;:!?")
        near = sounds.get(_sound(plain)) if len(plain) >= 4 and plain.isalpha() else None
        out.append(w.replace(plain, near) if near else w)
    return " ".join(out)


def _clause_start(low: str, pos: int) -> int:
    cuts = [m.end() for m in re.finditer(r"[.;!?,]| but | pero ", low[:pos])]
    return cuts[-1] if cuts else 0


# Two symptoms named, then both denied: "jaw pain and scalp tenderness, i dont have either".
_DENIED_AFTER = re.compile(
    r"^[^.;!]{0,40}?\b(?:(?:dont|doesnt|didnt|do not|does not) have either|(?:have|has|had) neither)(?= ?[,.;!?]|$| of| and| but)"
    r"(?![^.;!]*\b(?:now|until|till|til|before|today|tonight|this morning|ahora)\b)"  # "didnt have either, now he does"
)


def _negated(low: str, m: re.Match, inherent: bool) -> bool:
    before = low[max(_clause_start(low, m.start()), m.start() - 30) : m.start()]
    if re.search(_NEG_WORDS + r"(?!.*\b(?:and|y)\b)", before) or _DENIED_AFTER.search(low[m.end() :]):
        return True  # "no jaw pain", "jaw pain and scalp tenderness, i dont have either"
    return not inherent and bool(_NEG_INSIDE.search(m.group(0)))


_BP = re.compile(r"(?<!\d)(\d{2,3}) ?(?:/|over|sobre) ?(\d{2,3})(?!\d)")
_AGE = re.compile(
    r"\b(?:im|i am|aged?|he is|she is|hes|shes|is|tengo|tiene|de|mother|father|mum|mom|dad|"
    r"husband|wife|aunt|uncle),? ([5-9]\d|1[01]\d)\b(?! ?(?:weeks|semanas|kg|lbs?|mg|minutes|%))"
    r"|\b([5-9]\d|1[01]\d) ?(?:years?|yrs?|yo|y/o|year old|anos)\b|\b([5-9]\d|1[01]\d)[mf]\b"  # "67m", "89f"
)


def concepts(low: str) -> set[str]:
    """The concepts present and not negated in a normalised message."""
    found = set()
    for name, (rx, inherent) in tables()["concepts"].items():
        if any(not _negated(low, m, inherent) for m in rx.finditer(low)):
            found.add(name)
    for sys_, dia in ((int(a), int(b)) for a, b in _BP.findall(low)):
        if 80 <= sys_ <= 300 and 40 <= dia <= 200 and sys_ > dia:
            found |= {"BP_PREG"} if sys_ >= 150 or dia >= 100 else set()
            found |= {"BP_CRISIS", "HIGH_BP"} if sys_ >= 180 or dia >= 115 else set()
            found |= {"BP_NORMAL"} if sys_ < 140 and dia < 90 else set()
    if _AGE.search(low):
        found.add("OLDER")
    if "ONLY_ME" in found:  # "only I have a headache, no one else feels ill"
        found.discard("MULTI_PEOPLE")
    return found


def matched_rules(found: set[str]) -> tuple[list[str], list[str]]:
    """Categories with a strong rule met, and those with only a weak one."""
    strong, weak = [], []
    for cat, rules in tables()["rules"].items():
        if any(all(c in found for c in rule) for rule in rules["strong"]):
            strong.append(cat)
        elif any(all(c in found for c in rule) for rule in rules["weak"]):
            weak.append(cat)
    return strong, weak


# --- Scope: questions about a symptom, and past events, get articles ------------------------

_HYPOTHETICAL = re.compile(
    r"\b(?:signs?|symptoms?|warning signs?) (?:of|for)\b|\bwhat does (?:a |an )?.{0,40}\bfeel like\b"
    r"|\bhow (?:do|can|would|could|should) (?:i|you|we|one|people) (?:know|tell|recogni[sz]e|spot)\b"
    r"|(?<!as )(?<!like )\bif (?:i|im|you|someone|somebody|a person|my(?: \w+){1,2}|an? \w+) (?:\w+ )?(?:ever|were|was|had|has|gets?|got"
    r"|starts?|felt|feels?|fainted)\b|\bhypothetically\b|\bsi (?:alguna vez|algun dia|un dia)\b|\bwhat does .{0,40}\bmean\b|\bwhat if\b|^y si\b"
    r"|\bwhat (?:should|do|to|would) (?:i |you |we )?do if\b|^(?:could|can|might) (?:i|you|we|someone|people) (?:ever )?(?:faint|pass out|collapse)\b"
    r"|^(?:could|can|might) (?:i|you|we|someone|people) (?:ever )?(?:have|get|develop) an? (?:stroke|seizure|fit|bleed)\b(?= (?:from|with|during|because|if|when|after|on)\b)|\bwhat (?:happens|would happen) if\b|\bwhen should (?:i|you|we)\b"
    r"|\bwhen (?:is|are) .{0,30}\b(?:dangerous|an emergency|serious)\b|\bwhat (?:is|are|causes?)\b"
    r"|\bcould (?:my|this|it|a|these) .{0,40}\bbe\b|\bcan (?:a|an|you die|botox|migraines?|stress)\b"
    r"|\bwhy (?:do|does|can|would) (?:some|a|an|migraines?|people|headaches?)\b|\bwhy (?:do|does) \w+(?: \w+)? cause\b"
    r"|\bwhat (?:\w+ )?(?:symptoms|signs) would\b|\bwould (?:a|an) \w+ feel\b|\bmore (?:likely|prone) to\b"
    r"|\bwhats? (?:is )?the (?:link|connection|relationship|difference) between\b|\b(?:can|could) \w+ ever cause\b"
    r"|\bwould (?:a|an|the) (?:\w+ ){1,3}(?:go off|detect|pick (?:it )?up)\b|\bthinking (?:of|about) (?:buying|getting) (?:one|a|an)\b"
    r"|\bwhich .{0,30}\b(?:dangerous|serious)\b|\bred flags?\b|\bhow is .{0,30} diagnosed\b"
    r"|\b(?:sintomas|senales|signos) de\b|\bcomo saber\b|\bque hacer si\b|(?<!dice )(?<!dijo )(?<!creo )\bque es (?:la|el|un|una)\b"
    r"|\bcuales son\b|(?<!no )\bes normal\b|\bcomo se siente (?:un|una|el|la)\b|\bcomo (?:se|saber|sabria|puedo saber) si\b|\bpuede causar\b|\bque hago si\b"
    r"|\bcuando debo\b|\bwhat should (?:i|we) (?:watch|look) (?:for|out for)\b"
)
_OPENER = re.compile(
    r"^(?:what|whats|wat|wats|which|who|why|how|when|where|can|could|does|do|is|are|should|would|will"
    r"|may|might|any|tell me|explain|define|que|cual|cuales|como|cuando|por que|puede|hay|se puede"
    r"|sirve|existe|cuanto|cuanta|cuantos|cuantas|donde|quien|(?:la|el|los|las|es)\b(?=.*\?))\b"
)
_ABOUT = re.compile(r"\b(?:define|definition|information|info|meaning|research|study|studies)\b")
_IDIOM = re.compile(
    r"\b(?:giv\w*|gave) me (?:a )?(?:stroke|seizure|heart attack|fit)\b|\bmak\w* my head explode\b"
    r"|\b(?:nearly|almost) (?:fainted|passed out|had a (?:stroke|heart attack)) when\b"
    r"|\bthe worst (?:part|thing|bit|symptom) (?:of|about|is)\b|\bme esta matando\b"
    r"|\b(?:this|the|my) (?:headache|migraine|pain) is killing me\b|\bdying to\b"
)
PERSONAL = re.compile(
    r"\b(?:i|im|ive|id|me|my|mine|mines|myself|we|our|us|he|she|hes|shes|his|her|him|they|their"
    r"|mi|mis|tengo|estoy|llevo|veo|siento|noto|sigo|estamos|nos|nuestro|nuestra|me|yo|le|no se si)\b"
)
_PAST = re.compile(
    r"\b(?:\d+|a|one|two|three|five|ten|few|several|many|some|couple of) (?:years?|decades?) (?:ago|back)\b"
    r"|\byears (?:ago|back)\b|\blast (?:year|winter|summer|spring|autumn)\b|\bas a (?:child|kid|teen\w*|baby)\b"
    r"|(?<!\bis )(?<!\bim )(?<!\bhes )(?<!\bshes )(?<!\bwhos )\bin (?:his|her|my|their) (?:[2-9]0s|twenties|thirties|forties|fifties|sixties|seventies|eighties)\b"
    r"|\bwhen (?:i|he|she|we) (?:was|were) (?:young|little|small|a child|a kid|a teen\w*|\d+|at (?:university|college|school|uni))\b|\bin (?:19|20)\d\d\b"
    r"|(?<!no )\bhistory of\b(?! (?:\w+ ){0,2}(?:cancer|aneurysm))|\bused to\b|\bin the past\b(?! (?:hour|\d+ (?:minutes|hours)|few (?:minutes|hours)))|\bgrowing up\b|\bonce years ago\b|\bin (?:my|his|her) first\b"
    r"|\bgenetic\b|\bhereditary\b|\binherited\b|\bruns? in (?:the|my|our) family\b|\bfamily history\b"
    r"|(?<!desde )\bhace (?:\d+ |unos |muchos |varios )?anos\b(?! que)|\b(?:tuve|tuvo|me dio|le dio|me dieron|le dieron)\b.{0,40}\b(?:a|con) los \d+(?: anos)?\b|\b(?:tuve|tuvo|me dio|le dio)\b.{0,40}\bcon \d+ anos\b|\bel ano pasado\b|\bcuando era (?:nin[oa]|pequen[oa]|joven)\b"
    r"|\bde (?:nin[oa]|pequen[oa]|chic[oa])\b|\bwhen (?:i|he|she|we) (?:was|were) younger\b|\bantecedentes\b|\bhereditari[oa]\b|\bi am well now\b|\bwas fixed\b"
)


_IF_EVER = re.compile(
    r"\bif (?:i|we|my(?: \w+){1,2}|someone|somebody|a person) (?:\w+ ){0,3}(?:ever|got|were|felt|faint|fainted|faints|collapse|became|began|hit|bumped|banged|bang|bump|took)\b"
    r"|\bif (?:someone|somebody|a person)(?: \w+){0,3} had\b"
    r"|\bif (?:an?|your|their) (?:baby|babys|child|childs|kid|kids|toddler|person|persons|pregnant \w+)\b (?:\w+ ){0,3}(?:was|were|had|got|became|bulges|has|gets)\b"
    r"|^say (?:i|someone|somebody|a person|my \w+) (?:had|got|was|fainted|passed out|collapsed)\b|\bwhat would you (?:tell|say to|advise) (?:someone|somebody|a person)\b"
    r"|\bif (?:someone|somebody|a person) (?:with|on) (?:\w+ ){1,2}(?:has|gets?)\b"
    r"|(?<!i )\b(?:suppose|supposing) (?:i|my(?: \w+){1,2}|someone|somebody|a person)\b|\bif (?:he|she|they) (?:\w+ )?(?:ever|became|were|got)\b"
    r"|(?<!i )\b(?:suppose|supposing) (?:we|(?:our|the|a) \w+)\b[^.?!]{0,60}\bwould\b"
    r"|\bhypothetically\b|\bin case (?:\w+ ){0,3}ever\b|\bif (?:the|our|a|an) \w+ (?:\w+ )?(?:ever|did|were to|was to)\b|\bin case (?:i|we|my \w+|someone|somebody|anyone|a patient|a person) (?:get|gets|have|has)\b"
    r"|\bif (?:i|im|we|my \w+)\b[^.?!]{0,50}\b(?:at some point|one day|some day)\b"
    r"|\basking (?:ahead of time|in advance|for future reference|just in case)\b|\ben caso de que\b|\bque pasaria si\b"
    r"|\bsi (?:alguna vez|algun dia|un dia)\b|\bsi\b[^.?!]{0,60}\balgun dia\b|\b(?:que debo hacer|que deberia hacer|que hago|que hacer) si\b|\bsi (?:me|le|te) llegara\b"
    r"|\bsi (?:a (?:mi|mis|su|tu) \w+ )?(?:me|le|te|mi \w+|mis \w+|alguien|un \w+|una \w+) (?:\w+ )?(?:tuviera|tuviese|estuviera|pasara|diera|empezara|pusiera|desmayara|cayera)\b"
)
_MINE = re.compile(
    r"\blike (?:me|mine|my \w+s|the one i(?:m| am)? (?:have|got|having))\b"
    r"|\bhappened (?:to me )?(?:last night|this morning|today|just now|an hour ago|\d+ (?:mins?|minutes|hours?) ago)\b"
    r"|\b(?:thats|that is|its|it is) (?:me|mine|my \w+|what i(?:m| am)? (?:have|got|having|feel|feeling))\b"
    r"|\b(?:has|have|hes|shes|ive) been like (?:this|that) for\b"
)
_ASIDE = re.compile(
    r"\([^)]*\)|\b(?:who|que) (?:died|passed away|fallecio|murio) (?:hace (?:\w+ )?anos|(?:\w+ ){0,2}(?:years|months) ago)"
)
_NOW_STRONG = re.compile(
    r"\b(?:(?<!fine )(?<!ok )(?<!okay )right now|just now|\d+ (?:minutes?|mins?|hours?|hrs?) ago|an hour ago|minutes ago|tonight|(?<!fine )(?<!well )(?<!better )today"
    r"|(?:a few|few|a couple of|couple of|couple) (?:minutes|hours) ago"
    r"|just (?:had|did|got|went|started|found|banged|bumped|hit|knocked|fell|collapsed)|(?:is|its|are) back(?! (?:to|as|from|home|at|in|on))"
    r"|this (?:morning|afternoon|evening)|since this (?:morning|afternoon)|ahora mismo|acaba de|hoy|desde ayer"
    r"|esta (?:manana|tarde|noche)|anoche|esperar (?:a|hasta) (?:manana|el lunes)|wait (?:until|till|til) (?:tomorrow|the morning|monday)"
    r"|been (?:like (?:that|this) |this way )?for (?:the (?:last|past) )?(?:\d+|a few|two|three|an?) (?:minutes?|mins?|hours?)"
    r"|started (?:yesterday|last night|today)|since (?:yesterday|last night)"
    r"|(?:over|in|during) the (?:last|past) (?:few|couple of|\d+|two|three) (?:hours|minutes)"
    r"|hace (?:un|una|unos|unas|\d+) (?:minutos?|horas?|rato)"
    r"|never (?:had|happened|done) (?:one |that |this |it |anything like (?:this|that) )?before"
    r"|(?<!feel like\? )(?:shes|hes|ive|she has|he has|i have) never had one(?!,? (?:but|just|yet|so far))|nunca (?:le|me) (?:habia|ha) pasado)\b"
)


def scope(low: str, found: set[str]) -> str | None:
    """'hypothetical' for a question about symptoms in general, 'family' for family history,
    'past' for a past or resolved event, None for something that may be happening now."""
    cue = tables()["scope"]
    low = re.sub(
        r"\s+", " ", _ASIDE.sub(" ", low)
    )  # "my mum (who died years ago)", "su marido, que fallecio hace anos,"
    if (
        cue["died"].search(low)
        or cue["family"].search(low)
        and cue["risk"].search(low)
        and not cue["acute"].search(low)
    ) and not _stated_besides(low, (cue["died"], cue["family"], cue["risk"])):
        return "family"
    if (
        (_PAST.search(low) or cue["resolved"].search(low) and not cue["acute"].search(low))
        and not _NOW_STRONG.search(low)
        and "NEW_HEADACHE" not in found  # "had melanoma removed last year, now a new headache"
        and not {"CANCER", "NOW"} <= found  # a cancer treated years ago, symptoms this week
        and not {"CANCER", "FEVER", "HEAD"} <= found  # weak immunity (meds stopped months ago) and a fever
        # "had a stroke years ago, but my face is drooping"
        and not _stated_besides(low, (_PAST, cue["resolved"]), _PRESENT)
        and not _stated_after_now(low)  # "eye pressure borderline last year, now red and painful, halos"
    ):
        return "past"
    if_ever = _IF_EVER.search(low)
    mine = _MINE.search(low)  # "... like mine?", "can a migraine cause X? that's what I have"
    if if_ever and not _NOW_STRONG.search(low) and not mine and not _stated_outside(low, if_ever, found):
        return "hypothetical"  # "if my mum suddenly got confused...", "si algun dia de repente..."
    if "NOW" in found and not re.search(r"\bjust (?:want|wonder|curious|asking)", low):
        return None
    generic = not PERSONAL.search(low) and (_OPENER.match(low) or _ABOUT.search(low))
    mine_now = PERSONAL.search(low) and _NOW_STRONG.search(low)  # "can a migraine ...? mine just did"
    asked = _HYPOTHETICAL.search(low) or cue["hypothetical_es"].search(low)
    # a crisis reading of one's own, or asked about with a headache: "is 220/130 dangerous if I ...?"
    measured = "BP_CRISIS" in found and (PERSONAL.search(low) or "HEAD" in found)
    if (
        not mine_now
        and not measured
        and not mine
        and (generic or asked and not _stated_outside(low, asked, found))
    ):
        return "hypothetical"
    return None


_PRESENT = re.compile(
    r"\b(?:is|are|am|im|hes|shes|theyre|its|have|has|feel|feels|cant|cannot|wont|keeps?|tengo|tiene|tienen|estoy|esta|estan|sigo|sigue|no puedo|no puede)\b"
)


def _stated_besides(low: str, cues: tuple[re.Pattern, ...], tense: re.Pattern | None = None) -> bool:
    """Whether a red flag of the writer's own is stated in the clauses that match none of
    `cues` (and, with `tense`, are in the present): "my face is drooping, my mum had a stroke,
    does that mean I'm having one?", "had a stroke years ago, but my face is drooping"."""
    clauses = re.split(r"[,.;!?]| and | but | pero | y ", low)
    rest = " , ".join(
        c for c in clauses if not any(rx.search(c) for rx in cues) and (tense is None or tense.search(c))
    )
    return _own_red_flag(rest)


def _stated_after_now(low: str) -> bool:
    """Whether what follows "now" (after a past event) meets a strong rule."""
    now = re.search(r"\b(?:now|ahora)\b", low)
    return bool(now and matched_rules(concepts(low[now.end() :]))[0])


def _own_red_flag(part: str) -> bool:
    """Whether a piece of the message is about someone (a personal word) and meets a strong rule."""
    return bool(PERSONAL.search(part) and matched_rules(concepts(part))[0])


_CONDITION = re.compile(r"\b(?:if|si|when|cuando|whenever|had an?|tuvo una?|tuve una?)\b")


def _stated_outside(low: str, cue: re.Match, found: set[str]) -> bool:
    """Whether someone's red flag is stated outside a question or "if" cue: before it, as its
    reason or in a clause after it: "his face is drooping, what do I do if he gets worse?",
    "tiene la cara torcida, ¿qué hago si empeora?", "if I had a stroke would I know, because my
    face is drooping", "would a stroke feel like this, my face is drooping". Not when that part
    is itself a condition ("if I bang my head on warfarin, when should I go?") or the question
    asks whether it is normal (that gets the check). A question before it is no statement
    ("could I faint during a migraine? what would I do if that happened at work?")."""
    if "ASKS_NORMAL" in found:
        return False
    after = low[cue.end() :]
    reason = re.split(r"\b(?:because|coz|porque)\b", after, maxsplit=1)[1:]
    later = " , ".join(t for t in re.split(r"[,;]", after)[1:] if not _OPENER.match(t.strip()))
    before = " , ".join(
        t for t in _sentences(low[: cue.start()]) if not (_OPENER.match(t) and t.rstrip().endswith("?"))
    )
    return any(not _CONDITION.search(part) and _own_red_flag(part) for part in [before, *reason, later])


# --- Reading a message: the text steps of redflags.assess -----------------------------------


def _sentences(low: str) -> list[str]:
    return [
        t for t in re.split(r"(?<=[.!?;])(?<!\bdr\.)(?<!\bmr\.)(?<!\bms\.)(?<!\bmrs\.)\s+", low) if t.strip()
    ]


def normalise(text: str, language: str, known: frozenset) -> tuple[str, str]:
    """The message folded with its typos fixed, and the same with idioms blanked out ("gave me
    a stroke", "this headache is killing me"): the concepts are read from the second. `known`
    is the embedding model's vocabulary (see fix_typos)."""
    low = fold(text)
    if language == "en":
        low = fix_typos(low, known)
    low = fix_typos_es(low) if language == "es" else low
    return low, tables()["scope"]["idiom"].sub(" ", _IDIOM.sub(" ", low))


def read(low: str) -> tuple[set[str], str | None]:
    """The concepts in a normalised message and its scope (see `scope`). When a message of
    several sentences is set aside, the concepts come from its sentences that are not, so a
    past event or a question in one sentence does not hide a red flag in another."""
    found = concepts(low)
    where = scope(low, found)
    if where in ("past", "hypothetical") and len(_sentences(low)) > 1:  # a past event or a question in one
        live = [t for t in _sentences(low) if where == "past" or PERSONAL.search(t)]
        found = set().union(set(), *(f for t in live for f in [concepts(t)] if not scope(t, f)))
        where = None if any(matched_rules(found)) else where  # sentence hides no red flag in another
    return found, where
