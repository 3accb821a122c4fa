"""``smmdesk listening match --queries FILE``: JSON lines in, one answer line per input
line out, as each line arrives; a bad line gets an error object and the rest go
through; a query that does not parse stops the command, naming the query and where."""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

QUERIES = [
    {"id": "brand", "query": "(Starbucks OR Старбакс) NOT вакансия"},
    {"id": "phrase", "query": '"кофе с собой"'},
    {"id": "uk", "query": "кав'ярня* lang:uk"},
    {"id": "tg", "query": "кофе* source:telegram author:@barista"},
    {"id": "may", "query": "кофе* since:2024-05-01 until:2024-05-31"},
]


@pytest.fixture
def queries_file(tmp_path):
    path = tmp_path / "queries.jsonl"
    path.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in QUERIES) + "\n",
                    "utf-8")
    return path


def run(path, lines: list[str]) -> list[dict]:
    out = io.StringIO()
    call_command("listening", "match", queries=str(path), stdout=out, stderr=io.StringIO(),
                 stdin=io.StringIO("".join(line + "\n" for line in lines)))
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_each_post_gets_the_ids_of_the_queries_it_matches(queries_file):
    posts = [
        {"id": "p1", "text": "Очередь в Старбаксе с утра", "language": "ru"},
        {"id": "p2", "text": "Взял кофе с собой", "language": "ru"},
        {"id": "p3", "text": "Нова кав’ярня на Подолі", "language": "uk"},
        {"id": "p4", "text": "Нова кав’ярня на Подолі", "language": "ru"},
        {"id": "p5", "text": "Кофейня у дома", "source": ["telegram", "coffee_news"],
         "author": "Barista"},
        {"id": "p6", "text": "Кофейня у дома", "published_at": "2024-05-31T23:00:00+00:00"},
        {"id": "p7", "text": "Кофейня у дома", "published_at": "2024-06-01"},
        {"id": 8, "text": "Starbucks, вакансия бариста"},
        {"text": "Starbucks без id"},
    ]
    answers = run(queries_file, [json.dumps(p, ensure_ascii=False) for p in posts])
    assert answers == [
        {"id": "p1", "matches": ["brand"]},
        {"id": "p2", "matches": ["phrase"]},
        {"id": "p3", "matches": ["uk"]},
        {"id": "p4", "matches": []},
        {"id": "p5", "matches": ["tg"]},
        {"id": "p6", "matches": ["may"]},
        {"id": "p7", "matches": []},
        {"id": 8, "matches": []},
        {"id": None, "matches": ["brand"]},
    ]


def test_a_bad_line_gets_an_error_and_the_rest_go_through(queries_file):
    answers = run(queries_file, [
        "not json",
        json.dumps({"id": "a", "title": "no text"}),
        "",
        json.dumps(["a", "list"]),
        json.dumps({"id": "b", "text": "Старбакс", "published_at": "yesterday"}),
        json.dumps({"id": "c", "text": "Старбакс", "source": 5}),
        json.dumps({"id": "d", "text": "Старбакс", "language": ["ru"]}),
        json.dumps({"id": "e", "text": "Старбакс"}),
    ])
    assert [(a.get("line"), a.get("id"), "error" in a) for a in answers] == [
        (1, None, True), (2, "a", True), (3, None, True), (4, None, True), (5, "b", True),
        (6, "c", True), (7, "d", True), (None, "e", False)]
    assert answers[0]["error"] == "The line is not JSON."
    assert answers[1]["error"] == 'The object has no "text" string.'
    assert "published_at" in answers[4]["error"]
    assert answers[-1] == {"id": "e", "matches": ["brand"]}


def test_answers_stream_out_line_by_line(queries_file):
    out = io.StringIO()

    class Stdin:
        """Hands out one line at a time and checks the answer to the last one is out
        before the next is asked for."""

        def __init__(self, lines):
            self.lines, self.given = lines, 0

        def readline(self):
            assert len(out.getvalue().splitlines()) == self.given
            if self.given == len(self.lines):
                return ""
            self.given += 1
            return self.lines[self.given - 1]

    stdin = Stdin(['{"id": 1, "text": "Старбакс"}\n', '{"id": 2, "text": "кофе с собой"}\n',
                   "oops\n"])
    call_command("listening", "match", queries=str(queries_file), stdout=out,
                 stderr=io.StringIO(), stdin=stdin)
    assert stdin.given == 3 and len(out.getvalue().splitlines()) == 3


@pytest.mark.parametrize("query, says", [
    ("кофе AND", "query 'bad' (QF, line 2) at characters 6–8: AND needs a term on each "
                 "side.\n  кофе AND\n       ^^^"),
    ('"кофе', "query 'bad' (QF, line 2) at characters 1–5: The closing quote is missing.\n"
              '  "кофе\n  ^^^^^'),
    ("кофе lang:de", "at characters 11–12: There is no language “de” here."),
    ("ко*", "at characters 1–3: Write at least three letters before the asterisk."),
    ("(кофе", "at character 1: This parenthesis is never closed."),
])
def test_a_query_that_does_not_parse_stops_the_command(tmp_path, query, says):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "ok", "query": "кофе"}) + "\n"
                    + json.dumps({"id": "bad", "query": query}, ensure_ascii=False) + "\n",
                    "utf-8")
    stdin = io.StringIO('{"text": "кофе"}\n')
    with pytest.raises(CommandError) as e:
        call_command("listening", "match", queries=str(path), stdin=stdin,
                     stdout=io.StringIO(), stderr=io.StringIO())
    assert says.replace("QF", str(path)) in str(e.value)
    assert stdin.tell() == 0  # no post was read


@pytest.mark.parametrize("content, says", [
    ('{"id": "a", "query": "кофе"}\nnot json\n', "line 2: expected"),
    ('{"id": "a"}\n', "line 1: expected"),
    ('{"query": "кофе"}\n', "line 1: expected"),
    ('{"id": "a", "query": "кофе"}\n\n{"id": "a", "query": "чай"}\n',
     "line 3: the query id 'a' is already used on line 1"),
])
def test_a_bad_queries_file_stops_the_command(tmp_path, content, says):
    path = tmp_path / "q.jsonl"
    path.write_text(content, "utf-8")
    with pytest.raises(CommandError, match=says):
        call_command("listening", "match", queries=str(path), stdin=io.StringIO(""),
                     stdout=io.StringIO(), stderr=io.StringIO())


def test_a_missing_queries_file_stops_the_command(tmp_path):
    with pytest.raises(CommandError, match="Cannot read the queries file"):
        call_command("listening", "match", queries=str(tmp_path / "none.jsonl"),
                     stdin=io.StringIO(""), stdout=io.StringIO(), stderr=io.StringIO())


def _smmdesk(*args: str) -> subprocess.Popen:
    # Buffered output, as in production: the command itself must flush each answer.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.Popen([sys.executable, "-m", "smmdesk", *args], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _read_line(stream, timeout: float) -> bytes:
    ready, _w, _x = select.select([stream], [], [], timeout)
    assert ready, "no answer in time"
    return stream.readline()


def test_the_real_command_answers_each_line_before_the_next_arrives(queries_file):
    proc = _smmdesk("listening", "match", "--queries", str(queries_file))
    try:
        proc.stdin.write('{"id": "p1", "text": "Старбакс"}\n'.encode())
        proc.stdin.flush()
        assert json.loads(_read_line(proc.stdout, 30)) == {"id": "p1", "matches": ["brand"]}
        proc.stdin.write(b'\xff\xfe not utf-8\n{"id": "p2", "text": "\\u043a\\u043e\\u0444\\u0435'
                         b' \\u0441 \\u0441\\u043e\\u0431\\u043e\\u0439"}\n')
        proc.stdin.close()
        rest = [json.loads(line) for line in proc.stdout.read().splitlines()]
        assert rest == [{"line": 2, "error": "The line is not UTF-8 text."},
                        {"id": "p2", "matches": ["phrase"]}]
        assert proc.wait(30) == 0
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_the_real_command_exits_non_zero_on_a_bad_query(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "q-7", "query": "кофе NEAR доставка"}\n', "utf-8")
    proc = _smmdesk("listening", "match", "--queries", str(path))
    out, err = proc.communicate(b"", timeout=60)
    assert proc.returncode == 1 and out == b""
    assert "query 'q-7'" in err.decode() and "at characters 6–9: NEAR needs a distance" in (
        err.decode())


def test_smmdesk_help_lists_the_command():
    from smmdesk.cli import help_text

    rows = [line.split(None, 1) for line in help_text().splitlines() if line.startswith("  ")]
    assert ["listening", "Match posts (JSON lines on stdin) against listening queries from a "
            "file"] in rows
