"""The UTM builder only appends what is missing: the author's link stays as written."""

from __future__ import annotations

import pytest

from smmdesk.content.utm import links_find, tag_links, tag_url

P = {"utm_source": "telegram", "utm_medium": "social", "utm_campaign": "winter"}
TAGS = "utm_source=telegram&utm_medium=social&utm_campaign=winter"


def tag(text: str) -> str:
    return tag_links(text, source="telegram", medium="social", campaign="winter")


@pytest.mark.parametrize(("text", "expected"), [
    # plain links, with and without a path
    ("https://zerno.by", f"https://zerno.by?{TAGS}"),
    ("https://zerno.by/", f"https://zerno.by/?{TAGS}"),
    ("http://zerno.by/shop", f"http://zerno.by/shop?{TAGS}"),
    # the author's query: order, blanks, repeated keys and encoding kept byte for byte
    ("https://x.example/?b=2&a=1", f"https://x.example/?b=2&a=1&{TAGS}"),
    ("https://x.example/?q=a+b&q=c%20d&empty=&flag",
     f"https://x.example/?q=a+b&q=c%20d&empty=&flag&{TAGS}"),
    ("https://x.example/s?q=%D0%BA%D0%BE%D1%84%D0%B5",
     f"https://x.example/s?q=%D0%BA%D0%BE%D1%84%D0%B5&{TAGS}"),
    ("https://x.example/?next=/a?b=c;d", f"https://x.example/?next=/a?b=c;d&{TAGS}"),
    ("Seen https://x.example/?", f"Seen https://x.example/?{TAGS}?"),  # a question
    ("https://x.example/?#top", f"https://x.example/?{TAGS}#top"),
    ("https://x.example/?a=1&", f"https://x.example/?a=1&{TAGS}"),
    # the author's utm_* values win; only the missing ones are added
    ("https://x.example/?utm_source=mail&x=1",
     "https://x.example/?utm_source=mail&x=1&utm_medium=social&utm_campaign=winter"),
    ("https://x.example/?utm_source=mail&utm_medium=email&utm_campaign=may",
     "https://x.example/?utm_source=mail&utm_medium=email&utm_campaign=may"),
    ("https://x.example/?UTM_SOURCE=mail",
     f"https://x.example/?UTM_SOURCE=mail&{TAGS}"),  # keys are case-sensitive
    # fragments stay last and untouched
    ("https://x.example/page#part-2", f"https://x.example/page?{TAGS}#part-2"),
    ("https://x.example/p?a=1#/route?x=y", f"https://x.example/p?a=1&{TAGS}#/route?x=y"),
    ("https://x.example/#", f"https://x.example/?{TAGS}#"),
    # parentheses inside links (Wikipedia) and links inside parentheses
    ("https://en.wikipedia.org/wiki/Coffee_(disambiguation)",
     f"https://en.wikipedia.org/wiki/Coffee_(disambiguation)?{TAGS}"),
    ("(see https://x.example/a_(b))", f"(see https://x.example/a_(b)?{TAGS})"),
    ("(see https://x.example/a_(b)).", f"(see https://x.example/a_(b)?{TAGS})."),
    ("(https://x.example/a)", f"(https://x.example/a?{TAGS})"),
    ("[link](https://x.example/a)", f"[link](https://x.example/a?{TAGS})"),
    ("https://x.example/f(x)?a=(1)", f"https://x.example/f(x)?a=(1)&{TAGS}"),
    ("[https://x.example/a]", f"[https://x.example/a?{TAGS}]"),
    # punctuation after the link is not part of it
    ("Shop: https://zerno.by/shop.", f"Shop: https://zerno.by/shop?{TAGS}."),
    ("https://zerno.by/shop!?", f"https://zerno.by/shop?{TAGS}!?"),
    ("https://zerno.by/a, https://zerno.by/b;",
     f"https://zerno.by/a?{TAGS}, https://zerno.by/b?{TAGS};"),
    ("«https://zerno.by/a»", f"«https://zerno.by/a?{TAGS}»"),
    ("\"https://zerno.by/a\"", f"\"https://zerno.by/a?{TAGS}\""),
    ("'https://zerno.by/a'", f"'https://zerno.by/a?{TAGS}'"),
    ("https://zerno.by/a...", f"https://zerno.by/a?{TAGS}..."),
    ("<https://zerno.by/a>", f"<https://zerno.by/a?{TAGS}>"),
    # internationalised domains and paths, as written or already encoded
    ("https://кофе.рф/меню", f"https://кофе.рф/меню?{TAGS}"),
    ("https://xn--j1aef.xn--p1ai/%D0%BC%D0%B5%D0%BD%D1%8E",
     f"https://xn--j1aef.xn--p1ai/%D0%BC%D0%B5%D0%BD%D1%8E?{TAGS}"),
    ("https://x.example/a%2Fb?c=%26", f"https://x.example/a%2Fb?c=%26&{TAGS}"),
    # ports, user info, upper-case schemes
    ("https://x.example:8443/a", f"https://x.example:8443/a?{TAGS}"),
    ("HTTPS://X.EXAMPLE/A", f"HTTPS://X.EXAMPLE/A?{TAGS}"),
    # lines and several links
    ("one https://a.example\ntwo https://b.example/x",
     f"one https://a.example?{TAGS}\ntwo https://b.example/x?{TAGS}"),
    # not links: left alone
    ("no links here", "no links here"),
    ("mailto:a@b.example and ftp://x.example/f", "mailto:a@b.example and ftp://x.example/f"),
    ("https:// and http://", "https:// and http://"),
])
def test_tag_links(text, expected):
    assert tag(text) == expected


def test_empty_values_are_not_added_and_values_are_encoded():
    assert tag_links("https://x.example", source="vk", medium="social", campaign="") == (
        "https://x.example?utm_source=vk&utm_medium=social")
    assert tag_links("https://x.example", source="vk", medium="paid social",
                     campaign="зима&весна") == (
        "https://x.example?utm_source=vk&utm_medium=paid%20social"
        "&utm_campaign=%D0%B7%D0%B8%D0%BC%D0%B0%26%D0%B2%D0%B5%D1%81%D0%BD%D0%B0")


def test_tagging_twice_changes_nothing_more():
    once = tag("Read https://x.example/a_(b)?q=1#top.")
    assert tag(once) == once


def test_an_encoded_utm_key_counts_as_present():
    assert tag_url("https://x.example/?utm%5Fsource=mail", P) == (
        "https://x.example/?utm%5Fsource=mail&utm_medium=social&utm_campaign=winter")


def test_links_find_sees_the_links_as_the_tagger_does():
    assert links_find("(see https://x.example/a_(b)). And https://y.example/?q=1!") == [
        "https://x.example/a_(b)", "https://y.example/?q=1"]
