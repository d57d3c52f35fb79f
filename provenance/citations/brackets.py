"""Parentheses that OCR misread, restored where a citation results: '{Foster)', '(Lenin 382}', 'CLenin 382)'.

On a degraded scan Tesseract reads a printed '(' as '{', '[', '<', a letter ('C', 'c', 'l', 'I', '|')
or a digit before a name ('4', '1'), and a ')' as '}', ']', '>', 'J' or '|' (and, after a page
number, '1' or 'l'). ``restore`` gives the page text back with such a mark replaced by the
parenthesis it stands for, character for character, so every offset into the page stays valid.
A mark is replaced only when it completes a pair whose content the caller's
``accept(content, strict)`` takes as a citation (``strict``: one that needs no context, asked where
the mark may as well be a printed square bracket); text with intact parentheses is returned as it is.
A pair of square brackets, or of angle brackets, is left alone: both are printed (editorial
insertions, numbered citations); so is a square bracket paired with a brace ('{Trotsky]' is an
insertion).
"""

from __future__ import annotations

import re
from typing import Callable

_OPEN_SYMBOLS = "{[<"
_CLOSE_SYMBOLS = "}]>"
_OPEN_LETTERS = "Cc|lI"
_OPEN_DIGITS = "14"           # '4Sheppard)': a digit glued to a name
_CLOSE_LETTERS = "J|"
_CLOSE_AFTER_DIGIT = "1l"     # '(Trotsky, 3531' for '(Trotsky, 353)': only when what is left parses
_MAX_SPAN = 300               # characters between the marks
_MAX_BREAKS = 3               # line breaks inside, as PAREN_RE allows

# a pair with at least one misread mark and no bracket inside; same shape as PAREN_RE's content
_PAIR_RE = re.compile(r"(?P<o>[({\[<])(?P<c>[^(){}\[\]<>\n]{1,300}(?:\n(?![ \t]*\n)[^(){}\[\]<>\n]{0,300}){0,3})"
                      r"(?P<e>[)}\]>])")
_SAME = {"[": "]", "<": ">"}


def restore(text: str, accept: Callable[[str, bool], bool]) -> str:
    """``text`` with the misread parentheses of citations put right; the same length as ``text``."""
    if not re.search(r"[{}\[\]<>]|[()]", text):
        return text
    chars = list(text)
    for m in _PAIR_RE.finditer(text):
        o, e = m.group("o"), m.group("e")
        if o == "(" and e == ")" or _SAME.get(o) == e:
            continue
        square = "[" in o + e or "]" in o + e
        if square and not ("(" in o + e or ")" in o + e):
            continue   # '{Trotsky]': an editorial insertion in square brackets, one of them misread
        # '(Trotsky’s]' may be an insertion whose '[' was misread: with a square bracket, only a
        # citation that needs no context ('(Marsh, 212]') makes the pair parentheses
        if accept(m.group("c"), square):
            chars[m.start("o")], chars[m.start("e")] = "(", ")"
    fixed = "".join(chars)
    fixed = _letter_openers(fixed, accept)
    return _letter_closers(fixed, accept)


def _window_ok(span: str) -> bool:
    return len(span) <= _MAX_SPAN and span.count("\n") <= _MAX_BREAKS and not re.search(r"\n[ \t]*\n", span)


def _letter_openers(text: str, accept: Callable[[str, bool], bool]) -> str:
    """A ')' with no '(' before it since the last parenthesis: its '(' may have been read as a letter
    at the start of a word ('CLenin', 'l“Title”'). The farthest such letter whose pair parses wins, so
    that 'CLenin, CW 20)' does not become 'CLenin, (W 20)'."""
    chars = list(text)
    for close in [m.start() for m in re.finditer(r"\)", text)]:
        k = close - 1
        while k >= 0 and text[k] not in "()" and close - k <= _MAX_SPAN:
            k -= 1
        if k >= 0 and text[k] == "(" and close - k <= _MAX_SPAN:
            continue   # opened properly
        lo = k + 1
        cands = [i for i in range(lo, close - 1)
                 if text[i] in _OPEN_LETTERS and (i == 0 or text[i - 1] in " \t\n“”\"‘’'")
                 and (text[i + 1].isupper() or text[i + 1].isdigit() or text[i + 1] in "“\"‘")
                 or text[i] in _OPEN_DIGITS and (i == 0 or text[i - 1] in " \t\n“”\"‘’'")
                 and re.match(r"[A-Z][a-z]", text[i + 1:i + 3])
                 and _window_ok(text[i:close])]
        for i in cands:
            if accept(text[i + 1:close], False):
                chars[i] = "("
                break
    return "".join(chars)


def _letter_closers(text: str, accept: Callable[[str, bool], bool]) -> str:
    """A '(' with no ')' after it before the next parenthesis: its ')' may have been read as a letter
    at the end of a word ('(Foster J.', '(Trotsky, 353J'). The nearest such letter whose pair parses wins."""
    chars = list(text)
    for open_ in [m.start() for m in re.finditer(r"\(", text)]:
        k = open_ + 1
        while k < len(text) and text[k] not in "()" and k - open_ <= _MAX_SPAN:
            k += 1
        if k < len(text) and text[k] == ")" and k - open_ <= _MAX_SPAN:
            continue   # closed properly
        for i in range(open_ + 2, min(k, len(text))):
            ch = text[i]
            if not (ch in _CLOSE_LETTERS or ch in _CLOSE_AFTER_DIGIT and text[i - 1].isdigit()):
                continue
            if not (text[i - 1].isalnum() or text[i - 1] in ".”’\"'" or text[i - 1] == " " and ch == "|"):
                continue
            if i + 1 < len(text) and not (text[i + 1].isspace() or text[i + 1] in ".,;:!?”’\"'"):
                continue
            if not _window_ok(text[open_:i]):
                break
            if accept(text[open_ + 1:i], False):
                chars[i] = ")"
                break
    return "".join(chars)
