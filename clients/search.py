"""How text is normalised for searching: one function for what is stored and what is typed.

The dispatcher types « emilie », « ecole jaures », « +33 4 78 12 34 56 »; the database holds
« L'Atelier d'Émilie & Fils », « École élémentaire Jean-Jaurès », « 04 78 12 34 56 ». Both sides
go through `normalize()`, in Python, so SQLite and PostgreSQL compare the same strings:

* case folded, accents stripped (Unicode NFKD, combining marks dropped; « œ », « æ », « ø »,
  « ł »… spelled out), every other character that is not a letter or a digit becomes a space:
  « L'Atelier d'Émilie & Fils » → « l atelier d emilie fils »;
* a number written in groups is one word, its separators (spaces, dots, hyphens, parentheses)
  dropped: « 04 78 12 34 56 » → « 0478123456 », « 2026-00042 » → « 202600042 »; so a piece of a
  phone number typed as « 78 12 34 » is found inside it as a whole, not as three pairs
  of digits scattered anywhere in the text;
* a phone number in international form becomes the digits one dials from France (`phone_key`,
  with the `phonenumbers` library): « +33 4 78 12 34 56 », « 0033 4 78 12 34 56 »,
  « +33 (0)4 78 12 34 56 » → « 0478123456 »; another country keeps its prefix:
  « +32 2 123 45 67 » → « 003221234567 ». A piece of one (« +33 4 78 12 ») becomes the same
  piece of the national form (« 047812 »);
* a code keeps its letters and digits together: « CLI-00012 » → « cli00012 » (found by
  « CLI-00012 », « cli00012 » or « cli 00012 », and not by a phone number that contains 00012).

A space joins two groups of at most four digits only (phone numbers are written in short
groups): « CLI-00331 2026 » stays two words, « Lyon 3 69003 » too.

The stored side is a `search_text` column (clients.Client, clients.Site,
interventions.Intervention) written by the models' `save()`; a query matches when every word of
`query_words(query)` is contained in it (SQL `LIKE '%word%'`, served on PostgreSQL by a GIN
trigram index).
"""

import re
import unicodedata

import phonenumbers

# Letters that NFKD does not decompose but that a French keyboard user types without their mark.
_SPELLED_OUT = str.maketrans(
    {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
# Digit groups joined by spaces, dots, hyphens or parentheses, optionally after a « + ».
_NUMBER = re.compile(r"\+?\d(?:[ .\-()]{0,3}\d)*")
_GROUP = re.compile(r"([^\d]*)(\d+)")
# « CLI-00012 », « MAINT-2026-001 »: a code is one word, so it is found without the phone
# numbers that merely contain its digits (« cli 00012 » typed with a space still finds it).
_CODE_DASH = re.compile(r"(?<=[^\W\d_])-(?=\d)")
_NOT_WORD = re.compile(r"[^\w]+|_+")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold().translate(_SPELLED_OUT)


def _dialled_from_france(number: str, *, in_code: bool = False) -> str:
    """Digits of one written number; a phone number in international form as dialled from
    France (national form for a French number, 00 + country code otherwise).

    International form: a leading « + », or 00 followed by at least 5 digits, or 33 followed by
    9 digits; never the digits of a code (`in_code`: « CLI-00331 » stays 00331)."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if number.startswith("+"):
        digits = "00" + digits
    elif in_code or not (
        (digits.startswith("00") and len(digits) >= 7)
        or (digits.startswith("33") and len(digits) == 11)  # « 33 4 78 12 34 56 »
    ):
        return digits
    elif digits.startswith("33"):
        digits = "00" + digits
    if digits[2:3] in ("", "0"):
        return digits  # « +0… », « 000… »: no country code
    try:
        parsed = phonenumbers.parse("+" + digits[2:], None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        dialled = phonenumbers.format_out_of_country_calling_number(parsed, "FR")
        return "".join(ch for ch in dialled if ch.isdigit())
    if digits.startswith("0033"):  # a piece of a French number: « +33 4 78 » → « 0478 »
        return "0" + digits[4:].removeprefix("0")
    return digits


def _number(match: re.Match) -> str:
    """One run of digit groups. A space joins two groups of at most 4 digits (« 04 78 12 »,
    « +33 4 78 »); a longer group stands alone (« Lyon 3 69003 », « CLI-00331 2026 »)."""
    pieces = []
    for separator, group in _GROUP.findall(match.group()):
        joined = pieces and (" " not in separator or (len(group) <= 4 and len(pieces[-1][-1]) <= 4))
        if joined:
            pieces[-1].append(group)
        else:
            pieces.append([group])
    before = match.string[match.start() - 1 : match.start()]
    in_code = before.isalnum() or before == "-"
    plus = "+" if match.group().startswith("+") else ""
    dialled = [
        _dialled_from_france(plus * (k == 0) + " ".join(groups), in_code=in_code and k == 0)
        for k, groups in enumerate(pieces)
    ]
    return " ".join(dialled)


def normalize(text: str) -> str:
    """« L'Atelier d'Émilie & Fils » → « l atelier d emilie fils » (see the module's doc)."""
    folded = _NUMBER.sub(_number, _fold(text or ""))
    folded = _CODE_DASH.sub("", folded)
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def phone_key(phone: str) -> str:
    """The phone number(s) of `phone` as dialled from France, digits only:
    « +33 4 78 12 34 56 » → « 0478123456 ». Empty when there is no digit."""
    return " ".join(word for word in normalize(phone).split() if word.isdigit())


def search_text(*parts: str) -> str:
    """The stored side: each part normalised on its own (numbers never run across two parts)."""
    return " ".join(filter(None, (normalize(part) for part in parts)))


def query_words(query: str) -> list[str]:
    """The typed side: the words that must all be contained in a `search_text`."""
    return normalize(query).split()
