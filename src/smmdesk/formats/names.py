"""Django's calendar words, marked here so that our catalogs override Django's own.

Django's Belarusian catalog is in the classical orthography («сьнежня») and gives the
genitive for the month's name; its Russian and Ukrainian abbreviations are capitalised
(«8 Дек.»). The ``N`` date format (``abbrev. month``) is what smmdesk uses for a short
date («8 дек.», «8 груд.», «8 снеж.»); ``E`` (``alt. month``) after a day number.
Nothing imports this module: ``makemessages`` reads it.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MONTHS = [_("January"), _("February"), _("March"), _("April"), _("May"), _("June"),
          _("July"), _("August"), _("September"), _("October"), _("November"),
          _("December")]
MONTHS_3 = [_("jan"), _("feb"), _("mar"), _("apr"), _("may"), _("jun"), _("jul"), _("aug"),
            _("sep"), _("oct"), _("nov"), _("dec")]
MONTHS_AP = [
    pgettext_lazy("abbrev. month", "Jan."), pgettext_lazy("abbrev. month", "Feb."),
    pgettext_lazy("abbrev. month", "March"), pgettext_lazy("abbrev. month", "April"),
    pgettext_lazy("abbrev. month", "May"), pgettext_lazy("abbrev. month", "June"),
    pgettext_lazy("abbrev. month", "July"), pgettext_lazy("abbrev. month", "Aug."),
    pgettext_lazy("abbrev. month", "Sept."), pgettext_lazy("abbrev. month", "Oct."),
    pgettext_lazy("abbrev. month", "Nov."), pgettext_lazy("abbrev. month", "Dec.")]
MONTHS_ALT = [
    pgettext_lazy("alt. month", "January"), pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"), pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"), pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"), pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"), pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"), pgettext_lazy("alt. month", "December")]
WEEKDAYS = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
            _("Saturday"), _("Sunday")]
WEEKDAYS_ABBR = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
