"""Redaction of personal details before a question, context or comment is written anywhere:
emails (also written as `bob[at]example[dot]com`), payment cards (Luhn-checked), social
security numbers, insurance/policy/Medicare/record numbers, dates of birth, street addresses
and flats, phone numbers (US and international), and names (introduced, signed, or of a
relative: "my husband Robert Brown"). `benchmarks/privacy.py` measures it per kind."""

from __future__ import annotations

import re

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})|\d{{4}}[-./]\d{{1,2}}[-./]\d{{1,2}}|"
    rf"{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|"
    rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+\d{{4}}|"
    rf"{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}|"
    rf"(?:19|20)\d{{2}})"
)
_DOB = re.compile(
    rf"(?i)(\b(?:d\.?o\.?b\.?|date of birth|birth ?date|birthday(?: is)?|"
    rf"born(?: on| in)?)\s*[:\-]?\s*(?:is\s+|on\s+)?){_DATE}(?!\w)"
)
_EMAIL = re.compile(r"(?i)(?<![\w.%+-])[\w.%+-]++@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b")
_AT = r"(?:\s*[\[({]\s*at\s*[\])}]\s*|\s+at\s+|\s*@\s*)"
_DOT = r"(?:\s*[\[({]\s*dot\s*[\])}]\s*|\s+dot\s+|\.)"
_HIDDEN_EMAIL = re.compile(
    rf"(?i)(?<![\w.+-])[\w+-]++(?:{_DOT}[\w+-]++)*{_AT}[a-z0-9-]+(?:{_DOT}[a-z0-9-]+)*{_DOT}"
    r"(?:com|org|net|edu|gov|info|io|co|uk|us|ca|au|de|fr|es|it|nl|ie|in|mx)\b"
)
_CARD = re.compile(r"(?<![\d+.-])[1-9](?:[ -]?\d){12,18}(?![\d-])")
_SSN = re.compile(r"(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])")
_SSN_CUE = re.compile(
    r"(?i)((?:\bssn\b|\bss#|\bsocial security(?: number| no\.?| #)?|\bsocial\b)"
    r"[\s:#]*(?:(?:is|was|it's|number|no\.?)[\s:#]*)*)\d{9}(?!\d)"
)
_MEDICARE = re.compile(r"\b[1-9][A-Z][A-Z0-9]\d-?[A-Z][A-Z0-9]\d-?[A-Z]{2}\d{2}\b")
_ID = re.compile(
    r"(?i)(\b(?:(?:(?:health\s+)?insurance\s+)?(?:insurance|policy|member|subscriber|group|medicare|medicaid|claim|account|patient|"
    r"chart|medical record|health card|nhs|mbi|mrn)(?:\s+card)?(?:\s+(?:id|number|no\.?|num))?|id)"
    r"\s*(?:#|:|=)?\s*(?:is\s+|was\s+)?)"
    r"((?:[a-z0-9]+(?:-[a-z0-9]+)*)(?:\s(?=[a-z]*\d)[a-z0-9]{2,5}){0,3})(?![\w-])"
)
_STREET_WORD = (
    r"(?!(?:the|a|an|on|in|of|to|for|my|and|or|at|from|down|up|per|same|this|that)\b)[A-Za-z][A-Za-z'.-]*"
)
_SUFFIX = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|highway|hwy|parkway|pkwy|"
    r"drive|dr|court|ct|way|place|pl|terrace|ter|circle|cir|square|sq)"
)
_ADDRESS = re.compile(
    rf"(?i)\b\d{{1,6}}[a-z]?\s+(?:{_STREET_WORD}\s+){{1,4}}{_SUFFIX}\b\.?"
    r"(?:,?\s*(?:apt|apartment|unit|suite|ste|#)\.?\s*#?\w+)?"
    r"(?-i:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)?(?-i:,?\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?)?"
    r"|\bp\.?\s?o\.?\s+box\s+\d+"
)
_STREET_ABROAD = re.compile(
    r"\b\d{1,5},?\s+(?i:rue|via|calle|avenida|rua|carrer|chemin|piazza|plaza)\s+"
    r"[^,.;!?\n\d]{1,40}(?:,\s*\d{4,5}\s+[A-Z][\w-]+)?"
)
_FLAT = re.compile(
    r"(?<!\d )(?i:\b(?:apartment|apt|flat|unit|suite|ste)\b\.?\s*(?:#|no\.?|number)?\s*"
    r"(?:\d+[a-z]?|[a-z]\d+)\b)"
)
_PHONE = re.compile(
    r"(?<![\w/.])(?:(?:\+\d{1,3}|\b1)[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}"
    r"(?:\s*(?:x|ext\.?)\s*\d{1,5})?(?![\w/])"
    r"|(?<![\w/.-])\d{3}[.-]\d{4}(?![\w/.-])"
)
_PHONE_ABROAD = re.compile(r"(?<![\w/.+])(?:\+|\b00)\d{1,3}(?:[\s.-]?(?:\(\d{1,4}\)|\d{1,5})){2,6}(?![\w/])")
_PHONE_NATIONAL = re.compile(r"(?<![\w/.+])(?:\(0\d{1,4}\)|\b0\d{1,4})[\s.-]?\d{3,4}[\s.-]?\d{3,4}(?![\w/.])")
_NAME_TOKEN = r"(?:[A-Z]')?[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"
_TITLE = r"(?:(?i:dr|mr|mrs|ms|miss)\.?\s+)"
_NOT_NAMES = set(
    """
a an the not so very really just still also currently always never here there sure sorry fine
okay ok new over under on in at from with worried scared afraid pregnant allergic diabetic
asthmatic tired exhausted confused curious wondering concerned nauseous dizzy male female
breastfeeding nursing postpartum better worse good bad well ill sick unsure able unable about
going getting having taking trying using feeling looking asking writing calling considering
hoping due late early interested botox migraine migraines cluster tension headache headaches
aimovig ajovy emgality vyepti nurtec ubrelvy qulipta yes no hi hello hey thanks thank and or but
i im i'm me my have has had am was is are with who what when how why can could do does did will
would should please from age aged years old anyone someone everyone everybody nobody same
question doctor doc nurse team everything anything first last monday tuesday wednesday
thursday friday saturday sunday today tomorrow
""".split()
)
_NAME_CUE = re.compile(
    rf"(?i:\bmy name is|\bmy name's|\bname:)\s+((?i:dr|mr|mrs|ms|miss)\.?\s+)?"
    rf"((?i:[a-z][a-z'-]*(?:\s+[a-z][a-z'-]*){{0,2}}))"
    rf"|(?:\b(?i:i'm|i am|im|call me)|(?:^|[.!?,;]\s*|\b(?i:hi|hello|hey)\b[,!]?\s+)(?i:this is|it's))\s+"
    rf"((?:Dr|Mr|Mrs|Ms|Miss)\.?\s+)?({_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,2}})"
)
_RELATIVE = (
    r"(?i:husband|wife|spouse|partner|son|daughter|child|kid|baby|mother|mom|mum|father|dad|"
    r"brother|sister|boyfriend|girlfriend|fianc[eé]e?|grand(?:mother|ma|father|pa|son|daughter)|"
    r"aunt|uncle|cousin|niece|nephew|friend|neighbou?r|co-?worker|colleague|boss|roommate|"
    r"flatmate|step(?:son|daughter|mother|father))"
)
_OTHERS = re.compile(
    rf"\b(?i:my|our|his|her)\s+{_RELATIVE}(?:'s name is|\s+(?i:named|called)|,)?\s+"
    rf"({_TITLE}?{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,2}})"
)
_HERE = re.compile(
    rf"(?:^|(?<=[.!?]\s)|\b(?i:hi|hey|hello)[,!]?\s+)"
    rf"({_NAME_TOKEN}(?:\s+{_NAME_TOKEN})?)(?=\s+here\b)"
)
_SIGNED = re.compile(
    rf"(?:\b(?i:thanks|thank you|regards|cheers|sincerely|best|love|take care)[,!.]?\s+"
    rf"|(?:^|\s)[-–—]{{1,2}}\s*)({_NAME_TOKEN}(?:\s+{_NAME_TOKEN})?)[.!]?\s*$"
)


def _luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        n = int(c) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _card(m: re.Match) -> str:
    digits = re.sub(r"\D", "", m.group(0))
    return "[CARD]" if 13 <= len(digits) <= 19 and _luhn(digits) else m.group(0)


def _id(m: re.Match) -> str:
    return m.group(1) + "[ID]" if sum(c.isdigit() for c in m.group(2)) >= 4 else m.group(0)


def _digits(low: int, high: int):
    def sub(m: re.Match) -> str:
        return "[PHONE]" if low <= sum(c.isdigit() for c in m.group(0)) <= high else m.group(0)

    return sub


def _hidden_email(m: re.Match) -> str:
    # "sam at gmail dot com" is an email; "Botox at clinic.org" is not said to be one
    plain_at = not re.search(r"[\[({@]", m.group(0))
    return m.group(0) if plain_at and not re.search(r"(?i)\sdot\s", m.group(0)) else "[EMAIL]"


def _names(m: re.Match, group: int) -> str:
    """Tag the name in `group`, stopping at the first word that is not part of a name."""
    kept = []
    for word in m.group(group).split():
        if word.lower().rstrip(".") in _NOT_NAMES or word.lower().endswith("ing") and len(word) > 5:
            break
        kept.append(word)
    if not kept or kept[-1].rstrip(".").lower() in ("dr", "mr", "mrs", "ms", "miss"):
        return m.group(0)
    start = m.start(group) - m.start(0)
    end = start + len(" ".join(kept))
    return m.group(0)[:start] + "[NAME]" + m.group(0)[end:]


def _name(match: re.Match) -> str:
    """Tag the name after a cue, stopping at the first word that is not part of a name."""
    t, w = (1, 2) if match.group(2) else (3, 4)
    kept = []
    for word in match.group(w).split():
        if word.lower() in _NOT_NAMES or word.lower().endswith("ing") and len(word) > 5:
            break
        kept.append(word)
    if not kept:
        return match.group(0)
    start = match.start(t) if match.group(t) else match.start(w)
    end = match.start(w) + len(" ".join(kept))
    whole, offset = match.group(0), match.start(0)
    return whole[: start - offset] + "[NAME]" + whole[end - offset :]


def redact(text: str) -> str:
    """Replace personal details with [EMAIL], [CARD], [SSN], [ID], [DOB], [ADDRESS], [PHONE],
    [NAME]. Meant for logs, not for search."""
    text = text or ""
    text = _EMAIL.sub("[EMAIL]", text)
    text = _HIDDEN_EMAIL.sub(_hidden_email, text)
    text = _CARD.sub(_card, text)
    text = _SSN.sub("[SSN]", text)
    text = _SSN_CUE.sub(lambda m: m.group(1) + "[SSN]", text)
    text = _MEDICARE.sub("[ID]", text)
    text = _ID.sub(_id, text)
    text = _DOB.sub(lambda m: m.group(1) + "[DOB]", text)
    text = _ADDRESS.sub("[ADDRESS]", text)
    text = _STREET_ABROAD.sub("[ADDRESS]", text)
    text = _FLAT.sub("[ADDRESS]", text)
    text = _PHONE.sub("[PHONE]", text)
    text = _PHONE_ABROAD.sub(_digits(8, 15), text)
    text = _PHONE_NATIONAL.sub(_digits(9, 11), text)
    text = _NAME_CUE.sub(_name, text)
    text = _OTHERS.sub(lambda m: _names(m, 1), text)
    text = _HERE.sub(lambda m: _names(m, 1), text)
    return _SIGNED.sub(lambda m: _names(m, 1), text)
