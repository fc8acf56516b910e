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
import unicodedata

import nh3

_BULLETS = "■○●◆◇・"
_SENTENCE_END = re.compile(r"(?<=。)\s+")


# Element names of HTML (and the SVG/MathML roots): ``<ul>``, ``</li>``, ``<script …>`` are markup;
# ``<R5>`` (目標年度 in an analysis: 「1,500億円<R5>」) or ``a<b`` are text.
_HTML_ELEMENTS = frozenset(
    """a abbr address area article aside audio b base bdi bdo blockquote body br button canvas
    caption cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed
    fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup
    hr html i iframe img input ins kbd label legend li link main map mark math menu meta meter nav
    noembed noframes noscript object ol optgroup option output p param picture plaintext pre
    progress q rp rt ruby s samp script search section select slot small source span strike strong
    style sub summary sup svg table tbody td template textarea tfoot th thead time title tr track
    tt u ul var video wbr xmp""".split()
)
_TAG = re.compile(r"<(?:!--.*?(?:-->|$)|[!?][^>]*>?|/?([A-Za-z][A-Za-z0-9-]*)\b[^>]*>?)", re.S)
_CLOSED_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)\b[^<>]*>")


def _escape_text_brackets(fragment: str) -> str:
    """``<`` that does not open HTML markup (an element, a comment, a declaration) is text."""

    def keep(m: re.Match[str]) -> str:
        name = m.group(1)
        if name is None and m.group(0)[1:2] not in ("!", "?"):
            return "&lt;" + m.group(0)[1:]
        if name is not None and name.lower() not in _HTML_ELEMENTS:
            return "&lt;" + m.group(0)[1:]
        return m.group(0)

    return _TAG.sub(keep, fragment)


def strip_tags(fragment: str) -> str:
    """Plain text from an HTML fragment: every element removed, entities decoded, runs of white
    space folded to one space.

    The result holds no markup: ``&lt;script&gt;`` decodes to text that would be markup again,
    so such tags are removed after decoding too (the text between them is kept). A ``<`` that
    opens no HTML element (``<R5>``, ``a < b``) is text and stays.
    """
    cleaned = nh3.clean(
        _escape_text_brackets(fragment), tags=set(), attributes={}, strip_comments=True
    )
    text = html.unescape(cleaned)
    text = _CLOSED_TAG.sub(
        lambda m: "" if m.group(1).lower() in _HTML_ELEMENTS else m.group(0), text
    )
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


# A cell starting with one of these is read as a formula by spreadsheets; the full-width forms
# are included because some spreadsheets convert them on input.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will not read as a formula: ``=1+1`` → ``'=1+1``. Apply it to
    the text *as written* (after any conversion for the file's encoding), never before."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_katakana(text: str) -> str:
    """Hiragana as katakana (さっぽろ → サッポロ); everything else as it is."""
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in text)


def to_hiragana(text: str) -> str:
    """Katakana as hiragana (トカチ → とかち); everything else as it is."""
    return "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in text)


def display_width(text: str, *, ambiguous: int = 1) -> int:
    """Columns ``text`` takes in a fixed-pitch layout: wide and full-width characters (kanji,
    kana) 2, others 1; ambiguous ones (○, ①, ※) ``ambiguous`` (2 in a Japanese font)."""
    wide = "WFA" if ambiguous == 2 else "WF"
    return sum(2 if unicodedata.east_asian_width(ch) in wide else 1 for ch in text)
