"""The words of a question against the words of the articles: brand names of medicines read
with their generic names, and the specific terms a question asks about that the articles
never mention (then the articles do not cover the question)."""

from __future__ import annotations

import functools
import re

# Brand (or generic) name -> the generic name and the kind of medicine articles use.
# Common medicines of many specialties; patients use the name on the box.
_MEDICINES = """
imitrex tosymra onzetra zembrace: sumatriptan triptan | maxalt: rizatriptan triptan
zomig: zolmitriptan triptan | relpax: eletriptan triptan | amerge: naratriptan triptan
frova: frovatriptan triptan | axert: almotriptan triptan | treximet: sumatriptan naproxen triptan
nurtec: rimegepant gepant | ubrelvy: ubrogepant gepant | qulipta: atogepant gepant
zavzpret: zavegepant gepant | reyvow: lasmiditan | aimovig: erenumab cgrp antibody
ajovy: fremanezumab cgrp antibody | emgality: galcanezumab cgrp antibody
vyepti: eptinezumab cgrp antibody | topamax trokendi qudexy: topiramate
depakote depakene: valproate | inderal innopran: propranolol beta blocker
lopressor toprol: metoprolol beta blocker | elavil: amitriptyline antidepressant
pamelor: nortriptyline antidepressant | effexor: venlafaxine antidepressant
calan verelan isoptin: verapamil | cafergot: ergotamine | trudhesa migranal: dihydroergotamine
fioricet fiorinal: butalbital | excedrin: acetaminophen aspirin caffeine
tylenol panadol paracetamol: acetaminophen pain reliever
advil motrin nurofen: ibuprofen pain reliever anti-inflammatory
aleve naprosyn anaprox: naproxen pain reliever anti-inflammatory
bayer ecotrin: aspirin pain reliever | toradol: ketorolac anti-inflammatory
cambia voltaren: diclofenac anti-inflammatory | celebrex: celecoxib anti-inflammatory
nsaid nsaids: anti-inflammatory pain reliever | reglan: metoclopramide nausea
compazine: prochlorperazine nausea | zofran: ondansetron nausea | phenergan: promethazine nausea
benadryl zzzquil: diphenhydramine antihistamine | unisom: doxylamine antihistamine
claritin: loratadine antihistamine | zyrtec: cetirizine antihistamine
allegra: fexofenadine antihistamine | sudafed: pseudoephedrine decongestant
flonase: fluticasone nasal steroid | medrol: methylprednisolone steroid
neurontin gralise: gabapentin | horizant: gabapentin | lyrica: pregabalin | lithobid: lithium
indocin: indomethacin | cymbalta: duloxetine antidepressant | zoloft: sertraline antidepressant
prozac: fluoxetine antidepressant | lexapro: escitalopram antidepressant
celexa: citalopram antidepressant | paxil: paroxetine antidepressant
wellbutrin zyban: bupropion antidepressant | desyrel: trazodone
xanax: alprazolam benzodiazepine | ativan: lorazepam benzodiazepine
klonopin: clonazepam benzodiazepine | valium: diazepam benzodiazepine
restoril: temazepam benzodiazepine sleeping pill | halcion: triazolam benzodiazepine sleeping pill
flexeril: cyclobenzaprine muscle relaxant | zanaflex: tizanidine muscle relaxant
soma: carisoprodol muscle relaxant | ultram: tramadol opioid
percocet: oxycodone acetaminophen opioid | oxycontin oxycodone: opioid
vicodin norco hydrocodone: opioid | dilaudid hydromorphone: opioid | codeine morphine: opioid
ambien: zolpidem sleeping pill | lunesta: eszopiclone sleeping pill
sonata: zaleplon sleeping pill | belsomra: suvorexant sleeping pill
dayvigo: lemborexant sleeping pill | quviviq: daridorexant sleeping pill
rozerem: ramelteon sleeping pill | silenor: doxepin sleeping pill
provigil: modafinil | nuvigil: armodafinil | xyrem xywav: sodium oxybate
wakix: pitolisant | sunosi: solriamfetol | adderall: amphetamine stimulant
ritalin concerta: methylphenidate stimulant | requip: ropinirole | mirapex: pramipexole
neupro: rotigotine | ozempic wegovy: semaglutide | mounjaro zepbound: tirzepatide
saxenda: liraglutide | yaz yasmin: drospirenone estrogen birth control pill
nuvaring: estrogen birth control ring | mirena: levonorgestrel iud
premarin estrace: estrogen hormone therapy | coumadin jantoven warfarin: blood thinner
eliquis: apixaban blood thinner | xarelto: rivaroxaban blood thinner
plavix: clopidogrel blood thinner | lipitor: atorvastatin statin | zocor: simvastatin statin
norvasc: amlodipine blood pressure | synthroid: levothyroxine thyroid
glucophage: metformin diabetes | viagra: sildenafil | cialis: tadalafil
chantix: varenicline smoking | nicorette: nicotine smoking
"""


@functools.lru_cache(maxsize=1)
def medicines() -> dict[str, str]:
    out = {}
    for entry in re.split(r"\s*[|\n]\s*", _MEDICINES.strip()):
        if entry:
            names, generic = entry.split(":")
            for name in names.split():
                out[name] = generic.strip()
    return out


def with_generics(question: str) -> str:
    """The question with the generic names of the medicines it names by brand appended:
    "Is Emgality safe?" is also searched as galcanezumab, a CGRP antibody."""
    table = medicines()
    found = [table[w] for w in dict.fromkeys(re.findall(r"[a-z]+", question.lower())) if w in table]
    return f"{question} ({'; '.join(found)})" if found else question


def zipf(word: str) -> float:
    """How common a word is in English (wordfreq's Zipf scale: 3 is once per million words)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


def _one_edit(word: str) -> set[str]:
    """The words one edit away: a letter dropped, added or changed, or two swapped."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    cuts = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    near = {a + b[1:] for a, b in cuts if b} | {a + b[1] + b[0] + b[2:] for a, b in cuts if len(b) > 1}
    near |= {a + c + b[1:] for a, b in cuts if b for c in letters} | {
        a + c + b for a, b in cuts for c in letters
    }
    near.discard(word)
    return near


def respell(question: str, known) -> str:
    """The question with each misspelled word (not an English word, not in the articles)
    replaced by the most common English word one edit away that the articles use:
    "how long do clustr attacks last" -> "... cluster ...". The model reads real words better."""

    def fix(m: re.Match) -> str:
        word = m.group(0)
        low = word.lower()
        if not 4 <= len(low) <= 20 or known(low) or zipf(low) >= 3.0:  # no word is longer
            return word
        found = [(zipf(v), v) for v in _one_edit(low) if known(v)]
        found = [f for f in found if f[0] >= 2.0]
        return max(found)[1] if found else word

    return re.sub(r"[A-Za-z]+", fix, question)


def for_search(question: str, known) -> str:
    """What askclinic's retriever searches for: misspellings fixed, generic names added."""
    return with_generics(respell(question, known))


_DOSE_ASKED = re.compile(
    r"\b(?:doses?|dosages?|dosing|mg|milligrams?|mcg|max|maximum (?:amount|number))\b", re.I
)
_AMOUNT = re.compile(
    r"\b(?:\d[\d,.]*|one|two|three|four|five|six|eight|ten)[ -]?(?:mg|milligrams?|mcg|micrograms?"
    r"|grams?|g|units?|tablets?|pills?|capsules?|doses?|cups?|puffs?)\b",
    re.I,
)


def asks_dose(question: str) -> bool:
    """The question asks for a dose ("how many mg", "maximum amount", "loading dose")."""
    return bool(_DOSE_ASKED.search(question))


def gives_amount(text: str) -> bool:
    """The text states an amount of a medicine (a number with a unit: 400 mg, two tablets)."""
    return bool(_AMOUNT.search(text))
