"""Data values as literal text in Streamlit's Markdown (headers, captions, cards, messages).

Streamlit renders the text of ``st.header``, ``st.caption``, ``st.markdown``, ``st.write``,
``st.error`` and friends as Markdown with its own directives (``:red[...]``, ``:material/x:``,
emoji shortcodes, ``$...$`` maths). A party name uploaded as ``![x](http://host/beacon.png)``
was therefore rendered as an image, and the investigator's browser fetched it: a signal to the
subject that someone was looking. :func:`md` makes any value plain text there.
"""

from __future__ import annotations

import re

#: Every ASCII punctuation character: CommonMark lets each be backslash-escaped, which also
#: stops Streamlit's directives, shortcodes and maths, and raw HTML.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def md(value: object) -> str:
    """``value`` as text that Streamlit's Markdown shows literally, on one line.

    Examples
    --------
    >>> md("![x](http://h/b.png)")
    '\\\\!\\\\[x\\\\]\\\\(http\\\\:\\\\/\\\\/h\\\\/b\\\\.png\\\\)'
    """
    text = "" if value is None else str(value)
    return _PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", text))
