"""An SVG status badge in the shields.io "flat" style, self-contained (no fonts, images or links)."""

from __future__ import annotations

import re
import unicodedata
from xml.sax.saxutils import escape

from conformance.results import REFERENCE_LABEL, RunResult

LABEL = "conformance"
# pass-with-waivers is shields.io's "yellowgreen": nothing fails, yet it is not a plain pass.
COLORS = {"pass": "#4c1", "pass-with-waivers": "#a4a61d", "fail": "#e05d44", "incomplete": "#fe7d37"}
VERDICT_NAMES = {"pass": "適合", "pass-with-waivers": "免除付き適合", "fail": "不適合", "incomplete": "判定不能"}

# Advance widths of Verdana at 11px, the font shields.io measures with; close enough to size the badge.
_WIDTHS = {
    **dict.fromkeys("ilj.,:;'!|", 3.4),
    **dict.fromkeys("frt()[]/-·", 4.6),
    **dict.fromkeys("csz", 5.8),
    **dict.fromkeys("abdeghknopquvxy", 6.8),
    **dict.fromkeys("0123456789", 7.0),
    **dict.fromkeys("mw", 10.0),
    **dict.fromkeys("MW@%", 11.0),
    " ": 3.9,
}
_UPPER = 7.6
_OTHER = 7.0
# Japanese and other East Asian wide characters take a full em.
_WIDE = 11.0
_PADDING = 10
# Characters XML 1.0 forbids even escaped: a spec id with one must not make the badge unparsable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text_width(text: str) -> float:
    """Approximate rendered width in pixels at 11px Verdana; CJK counts as a full em."""
    width = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            width += _WIDE
        elif char in _WIDTHS:
            width += _WIDTHS[char]
        elif char.isascii() and char.isupper():
            width += _UPPER
        else:
            width += _OTHER
    return width


def message(result: RunResult) -> str:
    """The right-hand text: verdict, passed/applicable requirements and the specs, e.g. `pass 69/69 · juki 0.1.0`."""
    summary = result.summary
    applicable = len(result.requirements) - summary.counts.get("not-applicable", 0)
    specs = ", ".join(f"{spec.id} {spec.version}" for spec in result.specs)
    text = f"{summary.verdict} {summary.counts.get('pass', 0)}/{applicable}"
    if summary.counts.get("waived"):
        text += f" ({summary.counts['waived']} waived)"
    if result.mapping is not None:  # a reference result (--mapping) must not read as a conformance pass
        text = f"{REFERENCE_LABEL} {text}"
    return f"{text} · {specs}" if specs else text


def render(result: RunResult) -> str:
    """The badge as an SVG document."""
    verdict = result.summary.verdict
    right = _NOT_XML.sub("\N{REPLACEMENT CHARACTER}", message(result))
    title = f"{LABEL}: {right}（{VERDICT_NAMES[verdict]}）"
    left_text, right_text = text_width(LABEL), text_width(right)
    left_width, right_width = round(left_text) + _PADDING, round(right_text) + _PADDING
    width = left_width + right_width
    # Coordinates are in tenths of a pixel inside scale(.1), as shields.io draws them, for crisper text.
    left_x, right_x = left_width * 5, left_width * 10 + right_width * 5
    label, value, quoted_title = escape(LABEL), escape(right), escape(title, {'"': "&quot;"})
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{quoted_title}">
  <title>{escape(title)}</title>
  <linearGradient id="smooth" x2="0" y2="100%">
    <stop offset="0" stop-color="#bbb" stop-opacity=".1"/>
    <stop offset="1" stop-opacity=".1"/>
  </linearGradient>
  <clipPath id="round">
    <rect width="{width}" height="20" rx="3" fill="#fff"/>
  </clipPath>
  <g clip-path="url(#round)">
    <rect width="{left_width}" height="20" fill="#555"/>
    <rect x="{left_width}" width="{right_width}" height="20" fill="{COLORS[verdict]}"/>
    <rect width="{width}" height="20" fill="url(#smooth)"/>
  </g>
  <g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110">
    <text aria-hidden="true" x="{left_x}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="{round(left_text * 10)}">{label}</text>
    <text x="{left_x}" y="140" transform="scale(.1)" fill="#fff" textLength="{round(left_text * 10)}">{label}</text>
    <text aria-hidden="true" x="{right_x}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="{round(right_text * 10)}">{value}</text>
    <text x="{right_x}" y="140" transform="scale(.1)" fill="#fff" textLength="{round(right_text * 10)}">{value}</text>
  </g>
</svg>
"""
