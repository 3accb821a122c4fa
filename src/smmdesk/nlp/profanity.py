"""Profanity and insults in Russian, Ukrainian, Belarusian and English, written here.

The patterns run on ``normalize.squashed`` text (look-alike letters mapped back, spaced
letters joined, repeated letters cut to one), so "xyйня", "п и з д е ц", "сууука" are
caught. A character hidden behind ``*``, ``#``, ``%`` or ``$`` ("х*й", "f**k") is allowed
by fuzzy matching, limited to those symbols. Word starts are explicit: short roots must
not fire inside innocent words ("хлеб" holds "еб", "класс" holds "ass").
"""

from __future__ import annotations

import regex

from smmdesk.nlp.normalize import squashed

_START = r"(?<![\p{L}])"
_END = r"(?![\p{L}])"
_PREFIX = r"(?:за|по|на|вы|у|от|д[оа]|раз|рас|из|с|съ|при|про|пере|недо|объ|подъ|въ|вз|від|ві|" \
          r"роз|аб|ад|пра)?"

PATTERNS: dict[str, list[str]] = {
    "slavic": [
        # At a word start or after a prefix ("похуй", "нихуя", "ахуеть"), never inside a
        # word: "плохую", "сухую", "порахуйте", "застрахуй" are innocent.
        _START + r"(?:[оау]|[пн][оаиі]|за|д[оа]|от|в[ыи]|р[ао][зс]|с|при|пере|недо)?"
        r"х[уy][йеёяиюі]\w*",
        _START + r"на[хx]у[йя]\w*",
        r"п[иіы]зд\w*",
        _START + _PREFIX + r"(?:[еёєї]б)(?:а|у|л|н|ись|и|ё|о|ыв|ан|уч|ну)\w*",
        _START + r"бл[яє](?:дь|ть|т|д\w*|)" + _END,
        _START + r"бляд\w*",
        _START + r"с[уy]к(?:а|и|і|у|ой|ам|ами|ин\w*|ін\w*|е)?" + _END,
        _START + r"с[уy]ч(?:к\w*|ар\w*|ий|ья)",
        _START + r"муд(?:ак|ил|озвон|ач)\w*",
        r"г[аоа]ндон\w*",
        # Ukrainian "під-" + р is a prefix ("підряд", "підрахуйте"), not "підор"/"підар".
        _START + r"п(?:[ие]д[оа]?|ід[оа])р\w*",
        _START + r"залуп\w*",
        _START + r"шлюх\w*",
        _START + r"шалав\w*",
        _START + r"г[оі]вн\w*",
        _START + r"дерьм\w*",
        _START + r"д[еэ]б[иіы]л\w*",
        _START + r"[иі]д[иіы][оё]т\w*",
        _START + r"крет[иі]н\w*",
        _START + r"урод(?:ы|а|ов|ина|ливый|лівы|ський|ский)?" + _END,
        _START + r"ублюд\w*",
        _START + r"мраз[ьиі]\w*",
        _START + r"твар[ьиі]" + _END,
        # Not Belarusian "падлога", "падлік", "падлучыць", "падлетак".
        _START + r"падл(?:а|ы|е|у|о|ой|ам|ами|юк\w*|юч\w*)" + _END,
        _START + r"чмо(?:шн\w*)?" + _END,
        _START + r"лох(?:и|ов|а|у|і)?" + _END,
        _START + r"(?:при|пры)дур\w*",
        _START + r"курв\w*",
        _START + r"срак\w*",
        _START + r"покид[ьк]\w*",
        _START + r"тупорыл\w*",
        _START + r"з[ая][яеё]б\w*",
        _START + r"н[аи]х[еу]р\w*",
        _START + r"х[еэ]рн\w*",
        _START + r"г[ао]ўн\w*",
        _START + r"дзярм\w*",
        _START + r"д[уy]п[уаы]" + _END,
        _START + r"ёлуп\w*",
        _START + r"паскуд\w*",
        _START + r"сволоч\w*|" + _START + r"сволач\w*|" + _START + r"сволот\w*",
        _START + r"б[ыи]дл[оа]" + _END,
        _START + r"жлоб(?:ы|и|а|ів|ов)?" + _END,
        _START + r"бараны" + _END,
        _START + r"бязмозгл\w*|" + _START + r"безмозгл\w*",
        _START + r"дур(?:а|ы|ні|ни|ань|нi)" + _END,
        _START + r"курыц[аы]" + _END,
        _START + r"заткн[иі]с\w*",
        _START + r"закр[ыи]й\s+(?:свой\s+|свій\s+)?рот\w*",
        _START + r"тупы[яе]?\s+як|" + _START + r"тупые\s+как",
    ],
    "latin": [
        _START + r"f+u*c*k+\w*",
        _START + r"fck\w*",
        _START + r"motherf\w*",
        _START + r"sh[i1!]t+\w*",
        _START + r"bullshit" + _END,
        _START + r"b[i1]tch\w*",
        _START + r"cunt\w*",
        _START + r"ass(?:hole|holes|wipe|hat|es)?" + _END,
        _START + r"dick(?:head|s)?" + _END,
        _START + r"bastard\w*",
        _START + r"idiot\w*",
        _START + r"moron\w*",
        _START + r"retard\w*",
        _START + r"scum\w*",
        _START + r"twat\w*",
        _START + r"wank\w*",
        _START + r"stfu" + _END,
        _START + r"stupid" + _END,
        _START + r"loser" + _END,
        _START + r"clowns?" + _END,
        _START + r"muppets?" + _END,
        _START + r"bollocks" + _END,
        _START + r"arse" + _END,
        _START + r"shut\s+(?:your|ur|the)?\s*(?:mouth|up|face)" + _END,
        _START + r"go\s+to\s+hell" + _END,
        _START + r"piss\s+off" + _END,
        _START + r"dumb(?:ass\w*)?" + _END,
        _START + r"pigs?" + _END + r"(?=.{0,3}$)|" + _START + r"disgusting\s+pigs",
        _START + r"a-?holes?" + _END,
        _START + r"f-?ing" + _END,
        _START + r"go\s+f\s+yourself",
        _START + r"pricks?" + _END,
        _START + r"kurw\w*",
        _START + r"schei(?:ß|ss)\w*",
        _START + r"mierda" + _END,
        _START + r"connards?" + _END,
        _START + r"putain" + _END,
        _START + r"bl[yj]a(?:t|d)\w*",
        _START + r"pi[zs]d\w*",
        _START + r"(?:na)?hu[iyj](?:nya|la|lo|ny|)" + _END,
        _START + r"suk[aiu]" + _END,
        _START + r"(?:za|vy|ot|do|po)?eb(?:at|an|al|ut)\w*",
        _START + r"mudak\w*",
        _START + r"pidor\w*",
        _START + r"govn\w*",
    ],
}

_EXACT = regex.compile("|".join(f"(?:{p})" for group in PATTERNS.values() for p in group),
                       regex.IGNORECASE)
# The same, letting up to two letters be hidden behind a masking symbol.
_MASKED = regex.compile("|".join(f"(?:{p}){{s<=2:[*#%$]}}" for group in PATTERNS.values()
                                 for p in group), regex.IGNORECASE)
_MASK = regex.compile(r"[*#%$]")

# Every match of PATTERNS contains one of these; most texts contain none, and a few
# substring tests are far cheaper than the full pattern (tests/nlp keep them in step).
STEMS = (
    "ху", "хy", "пизд", "пізд", "пызд", "еб", "ёб", "єб", "їб", "бля", "блє", "сук", "суч",
    "syk", "муд", "ндон", "пид", "пед", "під", "пiд", "залуп", "шлюх", "шалав", "говн", "гівн",
    "дерьм", "деб", "дэб", "идиот", "ідіот", "идиёт", "ідиот", "ідыот", "ідыёт", "идыот",
    "крет", "урод", "ублюд", "мраз", "твар", "падл", "чмо", "лох", "дур", "курв", "срак",
    "покид", "тупор", "заеб", "заяб", "заёб", "зяеб", "зяяб", "зяёб", "нах", "них", "хер",
    "хэр", "гаўн", "гоўн", "дзярм", "дуп", "ёлуп", "паскуд", "сволоч", "сволач", "сволот",
    "быдл", "бидл", "жлоб", "бараны", "мозгл", "курыц", "заткн", "рот", "тупы", "тупые",
    "fu", "fk", "fck", "motherf", "sh", "bitch", "b1tch", "cunt", "ass", "dick", "bastard",
    "idiot", "moron", "retard", "scum", "twat", "wank", "stfu", "stupid", "loser", "clown",
    "muppet", "bollocks", "arse", "shut", "hell", "piss", "dumb", "pig", "hole", "ing",
    "go f", "prick", "kurw", "schei", "mierda", "connard", "putain", "bl", "piz", "pis", "hu",
    "suk", "eb", "mudak", "pidor", "govn",
)


def profanity(text: str) -> list[str]:
    """The offensive words found in ``text`` (empty when there are none)."""
    t = squashed(text)
    if _MASK.search(t):
        pattern = _MASKED
    elif any(stem in t for stem in STEMS):
        pattern = _EXACT
    else:
        return []
    return [m.group(0) for m in pattern.finditer(t) if m.group(0).strip("*#%$")]
