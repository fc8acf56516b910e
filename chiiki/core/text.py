"""Clean text from the HTML fragments found in source documents.

Published tables embed fragments such as ``<ul style="list-style-type: none"> ■次代に「繋ぐ」
炭鉄港 ■地域で「稼ぐ」炭鉄港`` or ``<ul> 暮らしの質を…。 短期的な…。``. We keep only the
text: every tag is removed by a real HTML sanitiser (nh3 with no allowed tags), entities are
decoded, and the text is split into list items at the bullets (■ ○ ・ ◆ -) it uses, or into
sentences when it has none.
"""

from __future__ import annotations

import html
import re

import nh3

_BULLETS = "■○●◆◇・"
_SENTENCE_END = re.compile(r"(?<=。)\s+")


def strip_tags(fragment: str) -> str:
    """All markup removed, entities decoded, runs of white space folded to one space."""
    cleaned = nh3.clean(fragment, tags=set(), attributes={}, strip_comments=True)
    text = html.unescape(cleaned)
    return re.sub(r"\s+", " ", text).strip()


def fragment_to_items(fragment: str) -> list[str]:
    """Split a fragment into list items.

    Text that starts with a bullet (■, ○, ◆, ・) splits at that same bullet only, so a
    middle dot inside an item (充実・強化) stays; otherwise the text splits at sentence ends
    (。 followed by space), which is how the seeds lost their ``<li>`` boundaries.
    """
    text = strip_tags(fragment)
    if not text:
        return []
    if text[0] in _BULLETS:
        items = re.split(r"\s*" + re.escape(text[0]) + r"\s*", text)
    else:
        items = _SENTENCE_END.split(text)
    return [item.strip() for item in items if item.strip()]


def plain_lines(text: str) -> str:
    """Multi-line text typed or pasted into a form: markup removed from each line, line breaks
    kept, blank lines dropped (one item per line)."""
    lines = [strip_tags(line) for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(line for line in lines if line)
