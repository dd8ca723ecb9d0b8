"""Checks before retrieval: input limits and clean-up, and emergency red flags."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from .config import Settings

_CONTROL = {c for c in map(chr, range(0x20)) if c not in "\n\t"} | {"\x7f"}


@dataclass
class Checked:
    question: str  # cleaned and cut to the limit
    status: str | None = None  # "invalid", "emergency" or "no_match" when retrieval must not run
    notice: str | None = None
    kind: str | None = None  # which red flag, for emergencies
    vector: object = None  # the question's embedding, when check() was given an embedder


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(" " if ch in _CONTROL or unicodedata.category(ch) == "Cc" and ch not in "\n\t" else ch
                   for ch in text)
    return re.sub(r"\s+", " ", text).strip()


# --- Emergencies: red flags checked before any retrieval ---------------------------------
# Categories follow SNNOOP10 (Do et al., Neurology 2019) and NICE CG150. Patterns run on the
# normalised question: lower case, no apostrophes, typos of key words fixed, negations removed.

def _any(*alternatives: str) -> str:
    return "|".join(alternatives)


_WHO = r"(?:my|his|her|their|the)"
_FEVER = _any(r"\b(?:fever\w*|high temperature|febrile)\b",
              r"\btemp(?:erature)? (?:is |of )?(?:over |above )?(?:3[89]|4[01]|10[0-6])\b")
_DRUGS = r"advil|tylenol|ibuprofen|aspirin|paracetamol|acetaminophen|excedrin|aleve|naproxen|\w*triptans?"
_FEW = r"(?:\d+|a|one|two|three|four|five|six|a few)"
_PREGNANT = _any(
    r"\b(?:pregnan\w*|weeks along|expecting a baby|postpartum|post partum|gave birth|giving birth)\b",
    r"\b(?:had (?:a|my|the|our) baby|just delivered|delivered (?:a|my|the)|c ?section|newborn)\b",
    r"\bafter (?:delivery|birth|childbirth)\b",
    r"(?<!for )\b(?:2\d|3\d|4[0-2]) weeks\b(?! ago)",
    rf"\b(?:baby|newborn) is {_FEW} (?:days?|weeks?) old\b",
    rf"\b(?:baby|son|daughter) was born {_FEW} (?:days?|weeks?) ago\b")
_SUDDEN = r"\b(?:sudden(?:ly)?|out of nowhere|all of a sudden|all at once|in seconds|within (?:a|one) minute)\b"
_SEVERE = r"\b(?:severe|excruciating|explosive|worst|intense|terrible|agoni[sz]ing|unbearable|explod\w*|burst\w*)\b"
_RECENTLY = _any(r"\b(?:just|today|tonight|this (?:morning|afternoon|evening)|yesterday|an hour ago)\b",
                 r"\b(?:a few |\d+ )?(?:minutes?|hours?) ago\b")

# A rule is a tuple of patterns that must all match within 150 characters of the first.
_RED_FLAGS: dict[str, list[tuple[str, ...]]] = {
    "thunderclap": [
        (rf"\bworst (?:head ?aches?|head ?pain|migraines?|pain)\b.{{0,25}}\b(?:of|in) {_WHO} (?:entire |whole )?life",),
        (r"\bworst (?:head ?aches?|head ?pain)\b.{0,25}\bever\b",),
        (r"\bthunder ?(?:clap|bolt)",),
        (r"\bworst\b.{0,30}\b(?:ever|of my life|in my life)\b", r"\bhead"),
        (r"\b(?:started|came on|begun|began|brought on|triggered|hit me|comes on) (?:while|when|during|by|after) "
         r"(?:i was )?(?:cough\w*|sneez\w*|straining|sex|orgasm|lifting|pushing)", r"\bhead"),
        (_SUDDEN + r".{0,60}" + _SEVERE,),
        (_SEVERE + r".{0,60}" + _SUDDEN,),
        (r"\bhead\b.{0,20}\b(?:explod\w*|burst\w*)",),
        (r"\blike (?:i was |being |getting |someone )?(?:hit|struck|smacked|kicked)\b.{0,40}\b(?:bat|hammer|brick|head)\b",),
        (r"\b(?:maximum|peak\w*|full (?:strength|force|intensity)|(?:zero|0) to (?:ten|10))\b.{0,30}"
         r"\b(?:seconds|a minute|one minute|instantly)\b",),
    ],
    "meningitis": [
        (_FEVER, r"\brash\b", r"\bhead ?aches?\b"),
        (_FEVER + r"|\bchills\b",
         _any(r"\b(?:stiff neck|neck (?:is |feels )?(?:so |very |really |too )?stiff|neck stiffness)",
              r"\b(?:cant|cannot|unable to) (?:touch|bend|put|get) (?:my|his|her|their) (?:chin|neck)")),
        (_any(r"\b(?:rash|spots|dots|blotches|marks)\b.{0,60}\b(?:doesnt|does not|wont|didnt|did not|not|dont|isnt|arent)\b"
              r".{0,15}\b(?:fade|blanch|go away|disappear|go white|go pale|turn white)",
              r"non ?blanching|glass test|tumbler test|purple (?:spots|rash|blotches)|petechia\w*"),),
    ],
    "neuro": [
        (r"\b(?:weak\w*|numb\w*|paraly[sz]ed|limp|dead|(?:cant|cannot|couldnt) (?:move|lift|raise|feel|use|grip))\b"
         r".{0,40}\b(?:one side|left|right|half of|arm|leg|face)\b",),
        (r"\b(?:one side|(?:side|half) of (?:my|his|her|the) (?:body|face)|arm|leg|face|hand)\b.{0,25}"
         r"\b(?:went|is|feels|has gone|gone|turned)? ?"
         r"(?:numb|weak|dead|limp|paraly[sz]ed|clumsy|heavy|useless|wont work|not working)\b",),
        (_any(r"\b(?:face|mouth|smile)\b.{0,25}\b(?:droop\w*|lopsided|uneven|sagging|crooked|twisted)",
              r"\bdroop\w*\b.{0,15}\b(?:face|mouth|smile)"),),
        (_any(r"\bslurr\w*|\btalking (?:gibberish|nonsense)|\bgibberish|\bgarbled",
              r"\b(?:cant|cannot|couldnt|unable to|trouble|difficulty|struggling to|hard to) "
              r"(?:speak|talk|get (?:my|the|his|her) words out|find (?:my|the|his|her) words)",
              r"\bwords (?:keep |are |come |)(?:coming |come )?(?:out )?(?:wrong|jumbled|mixed up|muddled)"),),
        (_any(r"\b(?:lost|losing|loss of|lose) (?:my |his |her |the )?(?:vision|sight|eyesight)",
              r"\b(?:cant|cannot|couldnt) see\b",
              r"\b(?:vision|sight|eye|everything)\b.{0,25}\b(?:went|gone|going|turned|goes) (?:dark|black|gr[ae]y)\b",
              r"\bwent blind|\b(?:sudden(?:ly)?|gone) blind|\bblind in (?:one|my|his|her)|\bseeing double|\bdouble vision"),),
        (_any(r"\bconfus(?:ed|ion)\b(?! (?:about|by|whether|if|which|what|how|as|with|on|over|between))",
              r"\bdisoriented|\bhard to wake|\bwont wake up|\bkeeps? repeating (?:him|her|my|them)sel(?:f|ves)",
              r"\b(?:dont|doesnt|didnt|does not) know (?:where|what day|what year|who)\b"),),
        (r"\b(?:seizures?|seizing|convuls\w*|had a fit)\b(?! (?:medicine|medication|drug|meds|pill))",),
        (r"\b(?:fainted|fainting|passed out|pass out|blacked out|lost consciousness|losing consciousness"
         r"|unconscious|collapsed)\b",),
    ],
    "head_injury": [
        (_any(r"\b(?:hit|banged|bang|bumped|knocked|smacked|struck|whacked|hurt|injured) "
              r"(?:my|his|her|their|the back of (?:my|his|her)) (?:head|skull)",
              r"\b(?:hit|struck|smacked|knocked|kicked) (?:in|on) (?:the|my|his|her) head",
              r"\bhead (?:injury|trauma)|\bconcuss\w*|\b(?:fell|fall|fallen)\b.{0,40}\bhead\b",
              r"\b(?:car|bike|bicycle|motorcycle|road|skiing|sports) (?:accident|crash)|\bwhiplash",
              r"\bknocked (?:out|unconscious)"),
         r"\b(?:head ?aches?|head ?pain|head hurts|migraine|vomit\w*|throw\w* up|sleepy|drowsy|confus\w*|dizzy)\b"),
        (r"\b(?:fell|fall|fallen|slipped|tripped)\b(?! asleep)|\bcrash\w*|\baccident\b",
         r"\b(?:sleepy|drowsy|vomit\w*|throw\w* up|being sick|confus\w*|unconscious|knocked out|wont wake)\b"),
    ],
    "pregnancy": [
        (_PREGNANT, _any(r"\b(?:vision|sight|seeing (?:spots|stars|flash\w*|lights|double)|spots|blurr\w*)\b",
                         r"\b(?:flash\w* lights?|blood pressure|pain under (?:my )?ribs)\b",
                         r"\bupper (?:right )?(?:belly|abdominal|stomach) pain\b")),
        (_PREGNANT, r"\b(?:swell\w*|swollen|puff\w*)\b", r"\b(?:face|hands?|fingers|sudden\w*|head ?aches?|very|severe)\b"),
    ],
    "giant_cell": [
        (_any(r"\bjaw\b.{0,40}\b(?:chew\w*|eat\w*|talk\w*)|\b(?:chew\w*|eat\w*)\b.{0,30}\bjaw|\bjaw claudication",
              r"\bscalp\b.{0,30}\b(?:tender\w*|sore\w*|hurts|painful|sensitive)|\b(?:hurts?|painful)\b.{0,20}\bscalp\b",
              r"\b(?:tender\w*|sore\w*)\b.{0,20}\b(?:scalp|temples?)\b|\btemples?\b.{0,20}\b(?:tender|sore|swollen)\b",
              r"\b(?:temporal|giant cell) arteritis"),
         _any(r"\b(?:im|i am|aged?|he is|she is|hes|shes|is) (?:[5-9]\d|1[01]\d)\b|\b[5-9]\d ?(?:years?|yrs?|yo|y/o)\b",
              r"\bover (?:50|fifty|sixty|60|70|seventy)\b|\b(?:elderly|grand(?:mother|father|ma|pa|mom|dad))\b",
              r"\bin (?:my|his|her) (?:50s|60s|70s|80s|90s|fifties|sixties|seventies|eighties|nineties)\b")),
    ],
    "eye": [
        (r"\beyes?\b", r"\b(?:halos?|rings? around (?:the )?lights|rainbows?)\b"),
        (r"\b(?:red|bloodshot)\b.{0,20}\beyes?\b|\beyes?\b.{0,20}\b(?:red|bloodshot)\b",
         r"\b(?:painful|pain|hurts|aching)\b", r"\b(?:blurr\w*|vision)\b"),
    ],
    "breathing": [
        (_any(r"\b(?:cant|cannot|couldnt|unable to|struggling to|trouble|difficulty|difficult|hard|problems?)\b.{0,15}"
              r"\b(?:breath\w*|swallow\w*)",
              r"\b(?:breath\w*|swallow\w*)\b.{0,20}\b(?:difficult|hard|labou?red|trouble|problem)",
              r"\bshort(?:ness)? of breath|\bchoking|\bgasping|\bstruggling for (?:air|breath)",
              r"\b(?:get|getting|catch|catching) (?:my |enough |any )?(?:air|breath)\b"),),
    ],
    "overdose": [
        (_any(r"\boverdos(?:ed|ing)\b|\b(?:an|took|swallowed) overdose|\btook (?:way )?too many",
              rf"\b(?:took|taken) (?:way )?too much\b.{{0,30}}\b(?:medicine|medication|meds|pills?|tablets?|{_DRUGS})",
              r"\b(?:took|swallowed|taken|ate|gulped|downed|popped)\b.{0,20}\b(?:whole|entire|full) "
              r"(?:bottle|pack\w*|box|strip)",
              r"\b(?:took|swallowed|taken)\b (?:about |around |maybe |like |over )?"
              rf"(?:[1-9]\d+|twenty|thirty|forty|fifty|a handful of)\b.{{0,30}}\b(?:pills?|tablets?|capsules?|{_DRUGS})\b",
              r"\b(?:took|swallowed|taken)\b.{0,50}\b(?:[1-9]\d+(?! ?(?:mg|mcg|units?|ml|%))|twenty|thirty|forty|fifty)\b"
              r".{0,15}\b(?:pills|tablets|capsules)\b",
              r"\b(?:took|swallowed|taken) all (?:of )?(?:my|the|his|her) (?:\w+ )?"
              r"(?:pills|tablets|meds|medicines?|capsules)"),),
    ],
    "suicide": [
        (_any(r"\bsuicid\w*\b(?! head)|\bkill (?:my ?self|myself)|\btake my (?:own )?life|\bself ?harm\w*",
              r"\bend (?:my|it) (?:own )?(?:life|all)|\bending (?:it all|my life)",
              r"\b(?:dont|do not|no longer|never) want to (?:live|be alive|be here|wake up|go on)|\bnot (?:to )?wake up\b",
              r"\bwant to die|\bwish i (?:was|were) dead|\bbetter off dead|\b(?:hurt|harm|cut) (?:my ?self|myself)",
              r"\b(?:take|taking|swallow\w*) all (?:of )?my (?:pills|meds|medicines?|medications?|tablets)",
              r"\bbetter (?:off )?without me\b|\b(?:life|living)\b.{0,20}\bnot worth\b|\bnot worth living\b",
              r"\b(?:want|going|planning|plan|ready|decided) (?:how )?to end (?:it|things|everything)\b",
              r"\bplan\w* how to (?:end|kill|die)|\bno (?:reason|point) (?:to|in) (?:live|living|going on)\b"),),
    ],
    "stroke_heart": [
        (_any(r"\b(?:having|suffering) (?:a )?(?:stroke|heart attack|mini ?stroke|tia)\b",
              r"\b(?:feels?|felt|seems?|looks?) like (?:a |(?:im|i am|hes|shes|he is|she is) having a )?"
              r"(?:stroke|heart attack)",
              r"\b(?:just|might have|may have|think (?:i|he|she)) had a (?:stroke|heart attack)",
              r"\bchest (?:pain|pressure|tightness)|\bpain in (?:my|his|her) chest|\bcrushing\b.{0,20}\bchest",
              r"\bleft arm\b.{0,20}\b(?:pain|numb\w*|ache|tingl\w*)|\bpain\b.{0,20}\bleft arm"),),
        (r"\bhad (?:a )?(?:mini ?stroke|stroke|heart attack|tia)\b", _RECENTLY),
    ],
}
_COMPILED = {kind: [tuple(re.compile(p) for p in rule) for rule in rules] for kind, rules in _RED_FLAGS.items()}

# Descriptions for the embedding check: first-person, acute, in words unlike the patterns.
RED_FLAG_DESCRIPTIONS = {
    "thunderclap": ["a sudden severe headache that reached full strength within a minute",
                    "the worst headache I have ever had, it started all at once",
                    "an explosive headache out of nowhere, like being struck on the head",
                    "my head suddenly feels like it is bursting, the pain came on in an instant",
                    "a headache that went from nothing to unbearable in seconds"],
    "meningitis": ["headache with a high temperature and a stiff neck",
                   "fever and a rash of purple spots that do not fade under pressure",
                   "my neck is too stiff to bend and I am burning up with a headache"],
    "neuro": ["one side of my body is suddenly weak or numb", "my face is drooping and my words come out slurred",
              "I suddenly lost my sight or I am seeing double", "I am confused and cannot speak properly",
              "I had a seizure or passed out with a headache",
              "my arm and leg on one side feel heavy and will not do what I want",
              "part of my vision suddenly went black"],
    "head_injury": ["a headache that started after a blow to the head or a fall",
                    "I banged my head and now I am vomiting and drowsy",
                    "my child took a hard fall and now keeps being sick and wants to sleep"],
    "pregnancy": ["pregnant or recently gave birth with a severe headache and blurred vision",
                  "new mother with headache and swelling of the face and hands",
                  "a few days after delivery I have a bad headache and very high blood pressure"],
    "giant_cell": ["an older person whose jaw aches when chewing and whose scalp is tender",
                   "over fifty with a new headache and tenderness at the temples",
                   "elderly and it hurts to touch my head or brush my hair, with a new headache"],
    "eye": ["a painful red eye with blurred vision and halos around lights"],
    "breathing": ["difficulty breathing or swallowing after a botox injection",
                  "since my injections I cannot catch my breath and my throat feels tight",
                  "I can hardly breathe"],
    "overdose": ["I took far too many pills at once", "I swallowed an overdose of my medicine",
                 "I just swallowed a whole pack of painkillers"],
    "suicide": ["I want to end my life", "I am thinking about killing myself",
                "I do not want to be alive anymore", "I want to harm myself",
                "I feel hopeless and everyone would be better off if I were gone",
                "living with this pain is not worth it anymore, I want it all to stop"],
    "stroke_heart": ["I think I am having a stroke right now", "I am having a heart attack",
                     "crushing chest pain spreading to my arm"],
}
# Cosine to the nearest description. On tests/data/emergency.jsonl, 0.60 raised false alarms to
# 6.7% while no threshold from 0.65 to 0.80 missed an emergency the patterns had not caught.
EMBEDDING_THRESHOLD = 0.70

_PERSONAL = re.compile(r"\b(?:i|im|ive|id|ill|me|my|mine|myself|we|our|us|he|she|hes|shes|his|her|him)\b")
_OPENER = re.compile(r"^(?:what|whats|which|who|why|how|when|where|can|could|does|do|did|is|are|was|should|would"
                     r"|will|may|might|any|tell me|explain|define)\b")
_REMOTE = re.compile(r"\b(?:\d+|a|one|two|three|four|five|ten|few|several|many|some|couple of) (?:years?|decades?) "
                     r"(?:ago|back)|\blast year|\byears ago|\bas a (?:child|kid|teen\w*|baby)|\bwhen (?:i|he|she) was "
                     r"(?:young|little|small|a child|a kid|a teen\w*|\d+)|\bin (?:19|20)\d\d\b|\bhistory of|\bused to\b"
                     r"|\bin the past\b|\bgrowing up\b")
_NEGATED = re.compile(r"\b(?:no|not|without|never had|denies|dont have|do not have|didnt have|havent had) "
                      r"(?:a |an |any )?(?:fever|temperature|stiff neck|neck stiffness|rash|numbness|weakness"
                      r"|vision (?:changes|problems|loss)|swelling|chest pain|trouble (?:breathing|swallowing))\b")
_KEY_WORDS = sorted({w for rules in _RED_FLAGS.values() for rule in rules for p in rule
                     for w in re.findall(r"[a-z]{4,}", re.sub(r"\\[a-zA-Z]", " ", p))}
                    | {"headache", "headaches", "pregnant", "suicidal", "stroke", "fever", "neck", "stiff", "vision",
                       "botox", "swallowing"})
_KEY_STEMS = tuple(k for k in _KEY_WORDS if len(k) >= 5)


def _fix_typos(words: list[str], known: set[str] | frozenset) -> list[str]:
    """Map misspelt words ('hedache', 'fevr', 'sucidal') to the nearest red-flag key word. Words
    the model's vocabulary knows are left alone, so 'strike' never becomes 'stroke'."""
    out = []
    for w in words:
        if (len(w) >= (3 if known else 5) and w not in known and w not in _KEY_WORDS and w.isalpha()
                and not any(w.startswith(k) for k in _KEY_STEMS)):
            near = difflib.get_close_matches(w, _KEY_WORDS, n=1, cutoff=0.8 if known else 0.85)
            w = near[0] if near else w
        out.append(w)
    return out


def normalise(text: str, known: set[str] | frozenset = frozenset()) -> str:
    """Lower case, no apostrophes, typos of key words fixed, negated symptoms removed."""
    low = re.sub(r"[’‘`']", "", text.lower())
    low = " ".join(_fix_typos(re.findall(r"[a-z]+|\d+|[^\sa-z\d]", low), known))
    low = re.sub(r" (?=[,.;:!?)])|(?<=\() ", "", low)
    return _NEGATED.sub(" ", low)


_SELF_HARM = re.compile(r"\bkill (?:my ?self|myself)|\bend my (?:own )?life|\bwant to die|\btake my (?:own )?life"
                        r"|\b(?:i|im|i am)\b.{0,20}\bsuicidal\b|\b(?:hurt|harm) myself")
_FAMILY = re.compile(r"\b(?:genetic|hereditary|inherited|runs? in (?:the|my|our) family|family history)\b")


def _generic(low: str) -> bool:
    """A general question ('can a stroke cause headaches?') or one about family history,
    rather than someone's situation now."""
    return bool(_FAMILY.search(low)) or not _PERSONAL.search(low) and bool(low.endswith("?") or _OPENER.match(low))


def _clause(low: str, pos: int) -> str:
    starts = [m.end() for m in re.finditer(r"[.;!?,]", low[:pos])]
    end = re.search(r"[.;!?,]", low[pos:])
    return low[starts[-1] if starts else 0: pos + end.start() if end else len(low)]


def _pattern_flag(low: str) -> str | None:
    """The first rule whose patterns all match near each other, outside a remote-past clause."""
    for kind, rules in _COMPILED.items():
        for first, *rest in rules:
            for m in first.finditer(low):
                near = low[max(0, m.start() - 150):m.end() + 150]
                if not _REMOTE.search(_clause(low, m.start())) and all(p.search(near) for p in rest):
                    return kind
    return None


_PER_EMBEDDER: dict[int, tuple[object, frozenset, object]] = {}


def _embedder_data(embedder) -> tuple[frozenset, object]:
    """The model's vocabulary (for typo fixing) and the description vectors, once per embedder."""
    if id(embedder) not in _PER_EMBEDDER:
        tokenizer = getattr(embedder, "tokenizer", None)
        known = frozenset(tokenizer.get_vocab()) if hasattr(tokenizer, "get_vocab") else frozenset()
        texts = [t for texts in RED_FLAG_DESCRIPTIONS.values() for t in texts]
        _PER_EMBEDDER[id(embedder)] = (embedder, known, embedder.encode(texts))
    return _PER_EMBEDDER[id(embedder)][1:]


def embedding_similarity(vector, embedder) -> tuple[str, float]:
    """The red-flag category whose description is nearest to a question vector, and the cosine."""
    kinds = [k for k, texts in RED_FLAG_DESCRIPTIONS.items() for _ in texts]
    sims = _embedder_data(embedder)[1] @ vector
    best = int(sims.argmax())
    return kinds[best], float(sims[best])


def red_flag(text: str, embedder=None, vector=None) -> str | None:
    """The red-flag category of a question describing an emergency now, else None. With an
    embedder, paraphrases close to a red-flag description count too; `vector` is the
    question's embedding when the caller already has it."""
    known = _embedder_data(embedder)[0] if embedder is not None else frozenset()
    low = normalise(text, known)
    if _SELF_HARM.search(low):
        return "suicide"
    if _generic(low):
        return None
    kind = _pattern_flag(low)
    if kind is None and embedder is not None and not _REMOTE.search(low):
        vector = embedder.encode([text])[0] if vector is None else vector
        near, cos = embedding_similarity(vector, embedder)
        kind = near if cos >= EMBEDDING_THRESHOLD else None
    if kind == "breathing" and re.search(r"\b(?:botox|botulinum|injections?|shots?)\b", low):
        kind = "botox"
    return kind


# --- Questions we will not search for: other languages, requests that are not questions ---

_ENGLISH = set("""the a an is are was were be been do does did have has had i you he she it we they my your
his her our their me him us them this that these those what which who whom why how when where can could
should would will may might must not no and or but if of to in on at for with from by about after before
during as than so very too just also any some all more most much many there here get got take""".split())
_FOREIGN = set("""el la los las del al con por para una uno es está están qué cómo cuando porque pero muy
tengo tiene mi mis su sus puedo dolor cabeza le les du des et est une sont avec pour pas je tu il nous vous
ils elle qui que quoi mais dans sur mon ma mes ai ce le der das und ist nicht ich du wir sie ein eine mit
für auf habe sind wie warum il lo gli della di che non sono ho mio mia è um uma não com você eu meu minha
na het een en van ik niet wat hoe zijn ayuda ajuda aide hilft helpt gegen tegen contre contra funziona
funciona marche cabeza cabeça tête testa kopf kopfschmerzen hoofdpijn migraña jaqueca enxaqueca emicrania
migräne douleur dolor dolore dor schmerzen pijn""".split())


def foreign_language(text: str) -> bool:
    """True when a question is clearly not in English: mostly non-Latin letters, or more
    common words of Spanish, French, German, Italian, Portuguese or Dutch than of English."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    if latin < 0.5 * len(letters):
        return True
    words = re.findall(r"[^\W\d_]+", text.lower())
    foreign = sum(w in _FOREIGN for w in words)
    return foreign >= 2 and foreign > sum(w in _ENGLISH for w in words)


_NOT_A_QUESTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|prompts?|rules|guidelines|programming)\b"
    r"|\b(?:ignore|disregard) (?:all |everything )?(?:the |of the )?above\b"
    r"|\bsystem prompt|\bpretend (?:you|to be)\b|\byou are now\b|\bfrom now on,? you\b|\bjailbreak|\bdeveloper mode"
    r"|^(?:please |can you |could you |would you |)(?:write|compose|generate|create|draft|make up)(?: me| us)? "
    r"(?:a |an |some |the |)(?:\w+ )?(?:poem|song|story|essay|haiku|limerick|joke|rap|script|code|program|function|"
    r"cover letter|email|letter|tweet|sql|python|javascript)\b"
    r"|\btell me (?:a|another) (?:joke|story)\b|^translate\b", re.IGNORECASE)


def not_a_question_for_us(text: str) -> bool:
    """Instructions to the bot or requests to write something: the articles answer neither."""
    return bool(_NOT_A_QUESTION.search(text))


def check(question: str, settings: Settings, embedder=None) -> Checked:
    """Clean the question and decide whether it may go to retrieval at all. With an embedder,
    red flags are also matched by meaning, and the question's vector is kept for retrieval."""
    raw = question or ""
    text = clean(raw[:4 * settings.max_question_chars])  # cut first: clean-up costs per character
    if not text:
        return Checked(text, status="invalid")
    notice = None
    if len(text) > settings.max_question_chars or len(raw) > 4 * settings.max_question_chars:
        text = text[:settings.max_question_chars]
        notice = (f"Your question was long, so we searched using its first "
                  f"{settings.max_question_chars:,} characters.")
    vector = embedder.encode([text])[0] if embedder is not None else None
    kind = red_flag(text, embedder, vector)
    if kind:
        return Checked(text, status="emergency", notice=notice, kind=kind)
    if foreign_language(text):
        return Checked(text, status="invalid", notice=notice, kind="language")
    if not_a_question_for_us(text):
        return Checked(text, status="no_match", notice=notice, kind="off_topic")
    return Checked(text, notice=notice, vector=vector)


# --- Privacy: redact personal details before a question is written anywhere ---------------
# The patterns live in privacy.py; `safety.redact` stays the name the rest of the code uses.

from .privacy import redact  # noqa: E402,F401
