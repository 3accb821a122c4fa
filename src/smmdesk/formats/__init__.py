"""Date, time and number formats per language (``FORMAT_MODULE_PATH``).

Django ships none for Belarusian, and 12-hour times for English; every page, e-mail and
notification of smmdesk formats dates through these (``date_format``, ``|date``), never
by hand. ``names.py`` lists Django's month and weekday names so that our catalogs can
correct them (Belarusian in the official orthography, lower-case month abbreviations).
"""
