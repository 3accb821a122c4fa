"""``smmdesk listening match --queries FILE``: test posts against listening queries.

FILE holds one JSON object a line, ``{"id": "...", "query": "..."}``. Posts come on
stdin, one JSON object a line: ``{"id": "...", "text": "..."}`` with, optionally,
``language`` (ru, uk, be, en), ``source`` (a kind or name, or a list of them), ``author``
and ``published_at`` (ISO date or date-time) for the filters. Each line gets one line
on stdout, in order, as soon as it is read: ``{"id": "...", "matches": ["<query id>",
...]}``, or ``{"line": N, "id": "...", "error": "..."}`` for a line that is not a post
(the rest go through). A query that does not parse stops the command before any post is
read: the error names the query and the characters at fault (exit status 1).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from smmdesk.listening.query.parser import QuerySyntaxError


class Command(BaseCommand):
    help = ("Match posts (JSON lines on stdin) against listening queries from a file; one "
            "answer line per post, as each post arrives.")
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["match"])
        parser.add_argument("--queries", required=True, metavar="FILE",
                            help='JSON lines, each {"id": "...", "query": "..."}')

    def handle(self, *args, action, queries, **options):
        matcher = self._matcher(Path(queries))
        stdin = options.get("stdin") or sys.stdin.buffer
        started, n, posts, matched = time.perf_counter(), 0, 0, 0
        while raw := stdin.readline():  # one line at a time: answers stream out
            n += 1
            post, error = _post(raw)
            if error:
                answer = {"line": n, **({"id": post["id"]} if "id" in post else {}),
                          "error": error}
            else:
                found = matcher.match(post["text"], language=post["language"],
                                      source=post["source"], author=post["author"],
                                      published_at=post["published_at"])
                answer = {"id": post.get("id"), "matches": found}
                posts += 1
                matched += bool(found)
            self.stdout.write(_dumps(answer))
            self.stdout.flush()
        self.stderr.write(f"listening: {posts} posts, {matched} matched a query "
                          f"({time.perf_counter() - started:.1f}s)")

    def _matcher(self, path: Path):
        from smmdesk.listening.query.matcher import Matcher

        try:
            lines = path.read_text("utf-8").split("\n")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read the queries file {path}: {error}") from error
        queries: list[tuple[str, str]] = []
        where: dict[str, int] = {}
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                row = None
            if (not isinstance(row, dict) or not isinstance(row.get("query"), str)
                    or not isinstance(row.get("id"), str | int) or isinstance(row["id"], bool)):
                raise CommandError(f'{path}, line {n}: expected {{"id": "...", "query": "..."}}.')
            query_id = str(row["id"])
            if query_id in where:
                raise CommandError(f"{path}, line {n}: the query id {query_id!r} is already "
                                   f"used on line {where[query_id]}.")
            where[query_id] = n
            queries.append((query_id, row["query"]))
        try:
            return Matcher(queries)
        except QuerySyntaxError as error:
            query = dict(queries)[error.query_id]
            raise CommandError(_query_error(error, query, path, where[error.query_id])) from None


def _query_error(error: QuerySyntaxError, query: str, path: Path, line: int) -> str:
    at = (f"at character {error.position + 1}" if error.end - error.position <= 1
          else f"at characters {error.position + 1}–{error.end}")
    shown = query.replace("\n", " ").replace("\t", " ")
    marks = " " * error.position + "^" * max(1, error.end - error.position)
    return (f"query {error.query_id!r} ({path}, line {line}) {at}: {error.message}\n"
            f"  {shown}\n  {marks}")


def _post(raw: bytes | str) -> tuple[dict, str | None]:
    """The post on one input line, or what is wrong with the line."""
    try:
        line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        return {}, "The line is not UTF-8 text."
    if not line.strip():
        return {}, "The line is empty."
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return {}, "The line is not JSON."
    if not isinstance(data, dict):
        return {}, 'Expected an object such as {"id": "...", "text": "..."}.'
    post = {"id": data["id"]} if "id" in data else {}
    if not isinstance(data.get("text"), str):
        return post, 'The object has no "text" string.'
    post["text"] = data["text"]
    for key in ("language", "author"):
        if not isinstance(data.get(key, ""), str):
            return post, f'"{key}" must be a string.'
        post[key] = data.get(key, "")
    source = data.get("source", "")
    if not (isinstance(source, str)
            or isinstance(source, list) and all(isinstance(s, str) for s in source)):
        return post, '"source" must be a string or a list of strings.'
    post["source"] = source
    post["published_at"], error = _when(data.get("published_at"))
    return post, error


def _when(value) -> tuple[date | datetime | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, str):
        try:
            return (date.fromisoformat(value) if len(value) == 10
                    else datetime.fromisoformat(value)), None
        except ValueError:
            pass
    return None, '"published_at" must be an ISO date or date-time, e.g. 2024-05-31.'


def _dumps(answer: dict) -> str:
    text = json.dumps(answer, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate came in as "\ud800": send it back escaped
        text = json.dumps(answer)
    return text
