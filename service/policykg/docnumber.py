"""Chinese official document numbers (发文字号): one normalizer for the data and for user input.

A number is an issuer code, a year and a serial: 临政字〔2020〕113号. Decrees carry no year:
国家市场监督管理总局令第36号. People write the same number with other brackets ([] () 【】 …),
full-width digits, spaces, 第, leading zeros, 年 or a dash after the year, traditional
characters; every form gives the same canonical `key`.
"""

import re
import unicodedata
from dataclasses import dataclass

# Traditional characters seen in these numbers and in the words that lead into them.
TRADITIONAL = str.maketrans(
    "號發辦臨魯監質蘭國務總場會財廳強護規標準區縣廣東門權產資認證關於據與為",
    "号发办临鲁监质兰国务总场会财厅强护规标准区县广东门权产资认证关于据与为",
)

# After the issuer: a year (with or without brackets, 年 or a dash) or the 令 of a decree,
# then an optional 第, the serial and an optional 号.
NUMBER = re.compile(
    r"(?:(?P<open>[〔\[(【〈{<〖])?(?P<year>(?:19|20)\d\d)年?(?P<close>[〕\])】〉}>〗])?(?P<sep>[-‐–—])?"
    r"|(?P<decree>令))"
    r"(?P<di>第)?(?P<serial>\d{1,6})(?!\d)(?P<hao>号)?"
)

# Words that lead into a number in running text ("依据临政字…"); the issuer starts after the last.
LEAD_IN = re.compile(
    r".*(?:依据|根据|按照|依照|参照|关于|印发|转发|通知|文件|的|即|见|是|在|以|按|(?<!共)和|与|及|或)"
)


def _is_cjk(char):
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


@dataclass(frozen=True)
class DocNumber:
    issuer: str
    year: int | None
    serial: int

    @property
    def key(self):
        if self.year is None:
            return f"{self.issuer}第{self.serial}号"
        return f"{self.issuer}〔{self.year}〕{self.serial}号"


def _folded(text):
    """NFKC, traditional → simplified, whitespace dropped; with each character's index in `text`."""
    chars, origin = [], []
    for index, char in enumerate(text):
        for folded in unicodedata.normalize("NFKC", char).translate(TRADITIONAL):
            if not folded.isspace():
                chars.append(folded)
                origin.append(index)
    return "".join(chars), origin


def _match(folded, match, floor):
    """The DocNumber a regex match stands for, with its start in `folded`, or None."""
    bracketed = match["open"] or match["close"]
    if not match["hao"] and not bracketed and match.end() != len(folded):
        return None  # "2022年12月" is a date, not a number
    if match["year"] and not (bracketed or match["sep"] or match["di"] or match["hao"] or "年" in match[0]):
        return None
    end = match.start() + (1 if match["decree"] else 0)
    start = match.start()
    while start > floor and _is_cjk(folded[start - 1]):
        start -= 1
    lead = LEAD_IN.match(folded, start, end)
    if lead:
        start = lead.end()
    issuer = folded[start:end]
    if not issuer or issuer == "令":
        return None
    year = int(match["year"]) if match["year"] else None
    return DocNumber(issuer, year, int(match["serial"])), start


def find_all(text):
    """Every document number in free text, as (DocNumber, start, end) spans of `text`."""
    if not text:
        return []
    folded, origin = _folded(text)
    found, pos, floor = [], 0, 0
    while (match := NUMBER.search(folded, pos)) is not None:
        hit = _match(folded, match, floor)
        if hit is None:
            pos = match.start() + 1
            continue
        number, start = hit
        found.append((number, origin[start], origin[match.end() - 1] + 1))
        pos = floor = match.end()
    return found


# Wrapping a user may paste around a number: （临政字〔2020〕113号）, “…”, a trailing 。
WRAPPING = " \t\r\n()（）《》<>“”\"'「」、，,。.;；:："


def parse(text):
    """The DocNumber that `text` is (nothing else around it but wrapping), or None."""
    if not isinstance(text, str):
        return None
    stripped = text.strip(WRAPPING)
    found = find_all(stripped)
    if len(found) != 1:
        return None
    number, start, end = found[0]
    if stripped[:start].strip() or stripped[end:].strip():
        return None
    return number


def normalize(text):
    """The canonical key of the number `text` is, or None."""
    number = parse(text)
    return number.key if number else None
