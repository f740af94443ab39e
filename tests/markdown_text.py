"""What a reader sees of Markdown that md_escape wrote: for tests that compare messages and labels as shown."""

import re

from qms.ui.markdown import WORD_JOINER


def shown(markdown: str) -> str:
    """The text of escaped Markdown: backslash escapes and the character references md_escape writes decoded."""
    text = markdown.replace("&#58;", ":").replace("&#36;", "$").replace("  \n", "\n")
    return re.sub(r"\\(.)", r"\1", text).replace(WORD_JOINER, "")
