"""How numbers read in Chinese, one rule for every page, answer and command: amounts of money
(元 / 万元 / 亿元), percentages, handbook pages, counts, and Chinese numerals read back.

The rule for money: from 1 亿 on, in 亿元; from 1 万 on, in 万元; below, in 元; never an
exponent or a trailing zero (15000 → "1.5 万元", 150000000 → "1.5 亿元", 0.6 → "0.6 元").
Scaling is exact (a shift of the decimal point), so no amount is rounded, however large.
A negative amount reads as its size with a minus sign (-15000 → "-1.5 万元"); the data holds
none, but a computed difference may. What is not a finite number reads "—".
"""

from decimal import Decimal, InvalidOperation

import cn2an

Number = Decimal | int | float | str

WAN, YI = Decimal(10_000), Decimal(100_000_000)
NOT_A_NUMBER = "—"


def decimal(value: Number) -> Decimal:
    """`value` as a Decimal: a float by its shortest text (0.6 stays 0.6), text as written."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value).strip().replace(",", ""))


def _shift(number: Decimal, places: int) -> Decimal:
    """`number` × 10^places, exactly (`scaleb` would round to the context's precision)."""
    sign, digits, exponent = number.as_tuple()
    return Decimal((sign, digits, int(exponent) + places))


def finite(value: Number) -> Decimal | None:
    """`value` as a finite Decimal, or None when it is not a finite number."""
    try:
        number = decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def plain(value: Number) -> str:
    """A number without exponent or trailing zeros: 1.50 → "1.5", 2E+2 → "200"; "—" when it
    is not a finite number."""
    number = finite(value)
    if number is None:
        return NOT_A_NUMBER
    if number.is_zero():
        return "0"
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def json_number(value: Number) -> int | float:
    """A number for JSON: an int when whole, else a float."""
    number = decimal(value)
    return int(number) if number == number.to_integral_value() else float(number)


def yuan(value: Number) -> str:
    """An amount of CNY as people write it: 4000 → "4000 元", 15000 → "1.5 万元",
    2000000 → "200 万元", 150000000 → "1.5 亿元"."""
    number = finite(value)
    if number is None:
        return NOT_A_NUMBER
    size = abs(number)
    if size >= YI:
        return f"{plain(_shift(number, -8))} 亿元"
    if size >= WAN:
        return f"{plain(_shift(number, -4))} 万元"
    return f"{plain(number)} 元"


def percent(rate: Number) -> str:
    """A rate as a percentage: 0.6 → "60%", 0.015 → "1.5%"."""
    try:
        number = decimal(rate)
    except InvalidOperation:
        return NOT_A_NUMBER
    return f"{plain(_shift(number, 2))}%" if number.is_finite() else NOT_A_NUMBER


def pages(first: int | str | None, last: int | str | None = None) -> str:
    """Handbook pages: "第 10–13 页", "第 8 页", or "第 29 页起" when the last page is unknown;
    "" when there is no first page."""
    if first is None or str(first) == "":
        return ""
    if last is None or str(last) == "":
        return f"第 {first} 页起"
    return f"第 {first} 页" if str(first) == str(last) else f"第 {first}–{last} 页"


def count(number: int, unit: str) -> str:
    """A count with its measure word: count(3, "项") → "3 项"."""
    return f"{number} {unit}"


def chinese_number(text: str) -> int | None:
    """The value of a Chinese numeral (五十, 一百, 两千, 十二, 一千二), or None when `text` is
    not one. Read by cn2an."""
    try:
        value = cn2an.cn2an(text, "normal")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return int(value) if value == int(value) else None
