from django import template
from django.utils.html import format_html

from core.common.money import currency_symbol, format_money

register = template.Library()


@register.filter
def money(value):
    """{{ amount|money }} → ৳1,250.00"""
    return format_money(value)


@register.filter
def money_pdf(value):
    """Like ``money``, with the currency sign in its own font span: the PDF
    body font (DejaVu) has no taka sign, and a font fallback for the whole
    document makes every render slower."""
    text = format_money(value)
    symbol = currency_symbol()
    if not text or symbol not in text:
        return text
    before, after = text.split(symbol, 1)
    return format_html('{}<span class="cur">{}</span>{}', before, symbol, after)
