"""Template tags for accessibility (decision 54). Loaded as a builtin (settings.TEMPLATES).

- ``{% scroll_region labelledby="heading-id" %}<table>…</table>{% endscroll_region %}`` (or
  ``label="…"``): a wide table's scrolling box that the keyboard can reach and that says what
  it holds (WCAG 2.1.1; axe's ``scrollable-region-focusable``).
- ``{% nav_link _("All services") "catalog:service_list" %}``: a main-navigation item, marked
  as the current page when it is the one shown.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_REGION_OPTIONS = {"label", "labelledby", "class"}


class ScrollRegionNode(template.Node):
    def __init__(self, nodelist: NodeList, options: dict[str, FilterExpression]) -> None:
        self.nodelist = nodelist
        self.options = options

    def render(self, context: template.Context) -> SafeString:
        values = {name: value.resolve(context) for name, value in self.options.items()}
        css = " ".join(filter(None, ["table-responsive", values.get("class")]))
        if "labelledby" in values:
            name = format_html(' aria-labelledby="{}"', values["labelledby"])
        else:
            name = format_html(' aria-label="{}"', values["label"])
        return format_html(
            '<div class="{}" tabindex="0" role="region"{}>{}</div>',
            css,
            name,
            mark_safe(self.nodelist.render(context)),
        )


@register.tag
def scroll_region(parser: Parser, token: Token) -> ScrollRegionNode:
    bits = token.split_contents()[1:]
    options = template.base.token_kwargs(bits, parser, support_legacy=False)
    if bits or not options.keys() <= _REGION_OPTIONS:
        raise template.TemplateSyntaxError(
            "scroll_region takes label=… or labelledby=…, and class=…, as keywords"
        )
    if ("label" in options) == ("labelledby" in options):
        raise template.TemplateSyntaxError("scroll_region needs one of label= and labelledby=")
    nodelist = parser.parse(("endscroll_region",))
    parser.delete_first_token()
    return ScrollRegionNode(nodelist, options)


@register.simple_tag(takes_context=True)
def nav_link(context: template.Context, label: str, url_name: str, *args: Any) -> SafeString:
    """``<li class="nav-item"><a class="nav-link">`` to a named URL; ``aria-current="page"``
    (and Bootstrap's ``active``) when the request's path is that URL."""
    url = reverse(url_name, args=args)
    request = context.get("request")
    if request is not None and request.path == url:
        return format_html(
            '<li class="nav-item"><a class="nav-link active" href="{}" aria-current="page">'
            "{}</a></li>",
            url,
            label,
        )
    return format_html('<li class="nav-item"><a class="nav-link" href="{}">{}</a></li>', url, label)
