"""Template helpers for Förderdatenbank data: vocabulary labels and sanitised rich text."""

from __future__ import annotations

from typing import Any

import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

from digilotse.funding import fdb_import

register = template.Library()

# Markup the Förderdatenbank uses in its texts; everything else (scripts, styles, event
# handlers, forms, images, iframes …) is dropped when rendering.
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "i",
    "li",
    "ol",
    "p",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}


def sanitize(markup: str) -> str:
    """Imported HTML reduced to an allowlist of tags, attributes and URL schemes."""
    return nh3.clean(
        markup or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


@register.filter
def fdb_html(markup: Any) -> SafeString:
    """Rich text from the import, sanitised; the stored text itself stays unedited."""
    return mark_safe(sanitize(str(markup or "")))  # noqa: S308 - sanitised by nh3 above


@register.filter
def fdb_label(code: Any, kind: str) -> str:
    """The label of one code of vocabulary `kind` (FOERDERART, FOERDERGEBIET, …)."""
    return fdb_import.label_of(kind, str(code))


@register.filter
def fdb_labels(codes: Any, kind: str) -> str:
    """Labels of a list of codes, comma-separated ("–" for none)."""
    labels = [fdb_import.label_of(kind, str(c)) for c in (codes or [])]
    return ", ".join(labels) if labels else "–"
