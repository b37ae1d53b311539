"""Normal forms that make two spellings of one value compare equal.

Names are reduced to a Latin *skeleton*: Cyrillic is transliterated, then the
variants that transliteration systems disagree on are folded together (й/y/i/j,
ks/x, kh/h, ё/yo/e, double letters…), so «Сергей», "Sergey", "Sergei" and "Sergej"
share one skeleton. The skeleton is for comparing only, never shown.

Pitfall: everything here runs a million times in a full scan, so it is plain string
work (`str.translate`, `str.replace`), not regular expressions or `phonenumbers`.
"""

from __future__ import annotations

import re

_CYR = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "zh", "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "",
    "ы": "i", "ь": "", "э": "e", "ю": "iu", "я": "ia", "і": "i", "ї": "i",
    "є": "e", "ў": "u",
}  # fmt: skip
# ы, ю, я give no "y": the folds below are for Latin spellings, and a "y" from
# Cyrillic would fold across letters («Быова» → "byova" → "beva").
_TRANSLIT = str.maketrans(_CYR)
# Transliteration variants folded to one form, longest first.
_FOLDS = (
    ("shch", "sh"),
    ("sch", "sh"),
    ("tch", "ch"),
    ("kh", "h"),
    ("ck", "k"),
    ("ph", "f"),
    ("tz", "ts"),
    ("yo", "e"),
    ("ye", "e"),
    ("x", "ks"),
    ("q", "k"),
    ("w", "v"),
    ("j", "i"),
    ("y", "i"),
)
_LETTERS = re.compile(r"[^a-z]+")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)

# Legal forms removed from company names before comparing, in Russian and English;
# long forms first so that the short ones inside them do not break them apart.
LEGAL_FORMS_LONG = (
    "общество с ограниченной ответственностью",
    "публичное акционерное общество",
    "закрытое акционерное общество",
    "открытое акционерное общество",
    "непубличное акционерное общество",
    "акционерное общество",
    "индивидуальный предприниматель",
    "автономная некоммерческая организация",
    "некоммерческая организация",
    "limited liability company",
    "joint stock company",
    "joint-stock company",
)
LEGAL_FORMS = frozenset(
    {
        "ооо", "оао", "зао", "пао", "ао", "нао", "ип", "нко", "ано", "фгуп", "гуп",
        "муп", "тоо", "чп", "ooo", "oao", "zao", "pao", "ao", "ip", "ano", "nko",
        "nao", "llc", "ltd",
        "inc", "jsc", "pjsc", "cjsc", "ojsc", "gmbh", "co", "corp", "corporation",
        "company", "limited", "plc", "ag", "sa", "group", "группа", "компания",
        "гк", "тк", "пк", "тд", "td", "gk",
    }
)  # fmt: skip
_WORDS = re.compile(r"[0-9a-zа-яё]+")


# Common first names: two different ones of these are two people, not a typo
# («Алина» and «Галина» are one letter apart). Stored as skeletons, so a Latin
# spelling is recognised too.
_FIRST_NAMES = """
Александр Алексей Анатолий Андрей Антон Аркадий Арсений Артём Артур Богдан Борис
Вадим Валентин Валерий Василий Виктор Виталий Владимир Владислав Вячеслав Геннадий
Георгий Глеб Григорий Даниил Денис Дмитрий Евгений Егор Иван Игорь Илья Кирилл
Константин Лев Леонид Максим Марк Матвей Михаил Никита Николай Олег Павел Пётр
Роман Руслан Семён Сергей Станислав Степан Тимофей Тимур Фёдор Филипп Эдуард Юрий
Яков Ярослав Алина Алла Анастасия Ангелина Анна Антонина Валентина Валерия Варвара
Вера Вероника Виктория Галина Дарья Диана Евгения Екатерина Елена Елизавета Жанна
Зинаида Зоя Инна Ирина Карина Кира Кристина Ксения Лариса Лидия Любовь Людмила
Маргарита Марина Мария Надежда Наталья Нина Оксана Ольга Полина Раиса Светлана
София Софья Таисия Тамара Татьяна Ульяна Юлия Яна
"""


_NOT_LETTER = re.compile(r"[^\w]|[\d_]")
_NOT_DIGIT = re.compile(r"\D")


def plain(text: str) -> str:
    """Lower case, ё as е, letters only: a Cyrillic name compared as written."""
    if not text:
        return ""
    return _NOT_LETTER.sub("", text.lower().replace("ё", "е"))


def has_cyrillic(text: str) -> bool:
    return bool(text) and _CYRILLIC.search(text) is not None


def fold(latin: str) -> str:
    """Fold transliteration variants of a lower-case Latin word."""
    for old, new in _FOLDS:
        if old in latin:
            latin = latin.replace(old, new)
    out = []
    last = ""
    for ch in latin:
        if ch != last:
            out.append(ch)
        last = ch
    return "".join(out)


_CACHE_LIMIT = 500_000
_skeletons: dict[str, str] = {}


def skeleton(text: str) -> str:
    """The comparable form of a word or name: Latin letters, variants folded.

    Names repeat (a million contacts hold a few thousand surnames), so results are
    kept in a bounded dict: a full scan computes each distinct name once.
    """
    if not text:
        return ""
    cached = _skeletons.get(text)
    if cached is not None:
        return cached
    result = fold(_LETTERS.sub("", text.lower().translate(_TRANSLIT)))
    if len(_skeletons) >= _CACHE_LIMIT:
        _skeletons.clear()
    _skeletons[text] = result
    return result


FIRST_NAMES = frozenset(skeleton(name) for name in _FIRST_NAMES.split())


def email_key(value: str) -> str:
    """An e-mail compared as people write it: trimmed, lower case."""
    return (value or "").strip().lower()


def email_local(value: str) -> str:
    """The mailbox part of an address without dots and `+tags`, for blocking: the
    same person often keeps the mailbox name at several providers."""
    local = email_key(value).split("@", 1)[0]
    local = local.split("+", 1)[0].replace(".", "").replace("_", "").replace("-", "")
    return local if len(local) >= 5 and not local.isdigit() else ""


def phone_key(value: str) -> str:
    """A phone in E.164. Stored phones are E.164 already; raw ones (imports, tests)
    are reduced to digits, and a Russian 8XXXXXXXXXX or 10-digit number gets +7."""
    if not value:
        return ""
    if value[0] == "+" and value[1:].isdigit():
        return value if len(value) >= 8 else ""
    digits = _NOT_DIGIT.sub("", value)
    if len(digits) == 11 and digits[0] == "8" and not value.lstrip().startswith("+"):
        digits = "7" + digits[1:]
    elif len(digits) == 10 and not value.lstrip().startswith("+"):
        digits = "7" + digits
    return "+" + digits if len(digits) >= 7 else ""


# Mail providers: an address there says nothing about the company's domain.
FREE_MAIL_DOMAINS = frozenset(
    {
        "mail.ru", "bk.ru", "inbox.ru", "list.ru", "internet.ru", "yandex.ru", "ya.ru",
        "yandex.com", "yandex.by", "yandex.kz", "narod.ru", "rambler.ru", "lenta.ru",
        "autorambler.ru", "ro.ru", "gmail.com", "googlemail.com", "outlook.com",
        "hotmail.com", "live.com", "yahoo.com", "icloud.com", "me.com", "mail.com",
        "protonmail.com", "proton.me", "ukr.net", "tut.by", "qip.ru",
    }
)  # fmt: skip


def site_domain(value: str) -> str:
    """The domain of a web address as people write it: "https://www.Romashka.ru/"
    and "romashka.ru" both give "romashka.ru"."""
    text = (value or "").strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1]
    text = text.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
    text = text.removeprefix("www.").strip(".")
    return text if "." in text else ""


def email_domain(value: str) -> str:
    """The domain of a company's own e-mail address; empty for a mail provider's
    (thousands of companies write from mail.ru)."""
    domain = email_key(value).rpartition("@")[2]
    return domain if "." in domain and domain not in FREE_MAIL_DOMAINS else ""


def company_words(name: str) -> list[str]:
    """The words of a company name without legal forms and quotes, as skeletons:
    «ООО "Ромашка"» and "Romashka LLC" both give ["romashka"]."""
    words = []
    for word in _company_tokens(name):
        folded = skeleton(word) if not word.isdigit() else word
        if folded:
            words.append(folded)
    return words


def company_plain_words(name: str) -> list[str]:
    """The words of a company name without legal forms and quotes, as written (lower
    case, ё as е): two Cyrillic spellings compare better so than as skeletons, where
    a typo next to «ж» or «щ» costs two or three letters."""
    return [w.replace("ё", "е") for w in _company_tokens(name)]


def _company_tokens(name: str) -> list[str]:
    text = (name or "").lower()
    for form in LEGAL_FORMS_LONG:
        if form in text:
            text = text.replace(form, " ")
    return [word for word in _WORDS.findall(text) if word not in LEGAL_FORMS]


def address_key(text: str) -> str:
    """An address as sorted skeleton words without the usual abbreviations."""
    words = [
        skeleton(w) if not w.isdigit() else w
        for w in _WORDS.findall((text or "").lower())
        if w not in _ADDRESS_NOISE
    ]
    return " ".join(sorted(w for w in words if w))


_ADDRESS_NOISE = frozenset(
    {
        "г", "гор", "город", "ул", "улица", "д", "дом", "кв", "квартира", "оф",
        "офис", "пр", "пр-т", "проспект", "пер", "переулок", "стр", "строение",
        "корп", "к", "обл", "область", "россия", "рф", "st", "street", "ave",
        "office", "apt", "bld", "russia", "city", "pom", "пом", "помещение",
    }
)  # fmt: skip


_TO_CYRILLIC_MULTI = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"),
    ("ch", "ч"), ("sh", "ш"), ("yu", "ю"), ("ju", "ю"), ("ya", "я"), ("ja", "я"),
    ("yo", "ё"), ("ye", "е"), ("iy", "ий"), ("ey", "ей"), ("ay", "ай"),
    ("oy", "ой"), ("x", "кс"),
)  # fmt: skip
_TO_CYRILLIC = str.maketrans(
    {
        "a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "e": "е", "z": "з",
        "i": "и", "j": "й", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о",
        "p": "п", "r": "р", "s": "с", "t": "т", "u": "у", "f": "ф", "h": "х",
        "c": "к", "y": "ы", "w": "в", "q": "к",
    }
)  # fmt: skip


_PLAIN = str.maketrans({**_CYR, "ы": "y", "ю": "yu", "я": "ya", "й": "y"})


def to_latin(text: str) -> str:
    """A plain transliteration to Latin (for database lookups, not for display)."""
    return (text or "").lower().translate(_PLAIN)


def to_cyrillic(text: str) -> str:
    """A best guess of the Cyrillic spelling of a Latin name, for lookups: one
    spelling of several possible, so lookups use its first letters only."""
    text = (text or "").lower()
    for old, new in _TO_CYRILLIC_MULTI:
        text = text.replace(old, new)
    return text.translate(_TO_CYRILLIC)
