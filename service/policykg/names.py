"""How names written by people are compared with the graph's labels: one cleaning for the
question parser (`ask`) and the profile reader (`match`).

`clean` folds what does not change a name: full-width forms (NFKC), case, Chinese quotation
marks and spaces next to Chinese characters. `short_name` is what people call a labelled
thing: the words inside “…” (“泰山品质”认证 → 泰山品质).
"""

import re
import unicodedata

QUOTES = str.maketrans("", "", "“”‘’\"'《》「」『』〈〉")
CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")


def clean(text: str) -> str:
    """NFKC, lower case, without Chinese quotation marks or spaces next to Chinese characters."""
    text = unicodedata.normalize("NFKC", text).lower().translate(QUOTES)
    return CJK_SPACE.sub("", text).strip()


def short_name(label: str) -> str | None:
    """The words inside “…” of a label (“泰山品质”认证 → 泰山品质), or None."""
    match = re.search(r"“([^”]{2,})”", label)
    return match.group(1) if match else None
