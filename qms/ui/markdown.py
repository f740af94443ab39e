"""User and file text inside Streamlit's Markdown (st.markdown, captions, alerts, toasts and every widget label):
shown character for character, never interpreted."""

from __future__ import annotations

import re
import string

# Streamlit finds LaTeX, emoji shortcodes and Material icons with regular expressions run on the raw source, where
# a backslash in front does not count: these two become character references, which no such expression sees.
_REFERENCES = {":": "&#58;", "$": "&#36;"}
# Every other ASCII punctuation character may be escaped with a backslash (CommonMark 2.4).
_ESCAPED = frozenset(string.punctuation) - set(_REFERENCES)
# Two plugins match words in the parsed text, after every escape has been decoded: an invisible word joiner after
# the colon keeps ":streamlit:" and ":material_x:" from becoming a logo or an icon.
_PARSED_WORDS = re.compile(r":(?=streamlit:|material_\w+:)")
WORD_JOINER = "\u2060"


def _line(text: str) -> str:
    # Leading blanks would start an indented code block; HTML would not show them anyway.
    text = _PARSED_WORDS.sub(":" + WORD_JOINER, text.lstrip(" \t"))
    return "".join(_REFERENCES.get(ch) or ("\\" + ch if ch in _ESCAPED else ch) for ch in text)


def md_escape(text: object) -> str:
    """`text` as literal Markdown: no image, link, HTML, colour, icon, emoji, formula, heading, list or quote.

    Line breaks stay line breaks (a Markdown hard break), so a multi-line comment still reads as written.
    """
    return "  \n".join(_line(line) for line in str(text).splitlines())
