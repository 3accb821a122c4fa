"""Boards and board sections: every pin is saved on a board (and may go in one of its
sections), so a post names one by id or by name and we find its id here.

GET /v5/boards and GET /v5/boards/{id}/sections are paged with ``bookmark``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from smmdesk.connectors.base import PermanentError
from smmdesk.connectors.pinterest.common import LIST_PAGES, PAGE_SIZE, same_name

if TYPE_CHECKING:
    from smmdesk.connectors.pinterest import PinterestConnector

NAMES_SHOWN = 20  # a missing board's error lists at most this many names


def list_boards(api: PinterestConnector) -> list[dict]:
    """The account's boards, as {"id", "name", "privacy"}."""
    return _pages(api, "/boards", "boards:read")


def list_sections(api: PinterestConnector, board_id: str) -> list[dict]:
    return _pages(api, f"/boards/{board_id}/sections", "boards:read")


def find_board(api: PinterestConnector, wanted: str) -> dict:
    """The board whose id or name (case and spacing aside) is ``wanted``; a clear error
    naming the boards there are when none is."""
    boards = list_boards(api)
    for board in boards:
        if str(board.get("id")) == wanted:
            return board
    for board in boards:
        if same_name(str(board.get("name") or ""), wanted):
            return board
    raise board_missing(api, wanted, boards)


def find_section(api: PinterestConnector, board: dict, wanted: str) -> str:
    sections = list_sections(api, str(board["id"]))
    for section in sections:
        if str(section.get("id")) == wanted or same_name(str(section.get("name") or ""),
                                                         wanted):
            return str(section["id"])
    names = _names(sections) or _("this board has no sections")
    raise PermanentError(_(
        "Pinterest: the board “%(board)s” has no section “%(section)s”. Its sections: "
        "%(names)s. Pick one of them, or leave the section empty.")
        % {"board": board.get("name", ""), "section": wanted, "names": names},
        code="section_not_found")


def board_missing(api: PinterestConnector, wanted: str, boards: list[dict]
                  ) -> PermanentError:
    if not boards:
        return PermanentError(_(
            "Pinterest: %(account)s has no boards, and every pin must be saved on one. "
            "Create a board on Pinterest, then publish again.") % api.who(),
            code="no_boards")
    return PermanentError(_(
        "Pinterest: %(account)s has no board “%(board)s”. Its boards: %(names)s. Write one "
        "of these names in the post's Pinterest board field, or create the board on "
        "Pinterest first.") % {**api.who(), "board": wanted, "names": _names(boards)},
        code="board_not_found", raw={"boards": [b.get("name") for b in boards]})


def default_board(boards: list[dict]) -> dict:
    """The board pins go to when a post names none: the first the API lists."""
    return {"board_id": str(boards[0]["id"]), "board_name": boards[0].get("name", "")
            } if boards else {"board_id": "", "board_name": ""}


def _names(items: list[dict]) -> str:
    names = [f"“{i.get('name', '')}”" for i in items[:NAMES_SHOWN]]
    more = len(items) - NAMES_SHOWN
    if more > 0:
        names.append(_("and %(count)d more") % {"count": more})
    return ", ".join(names)


def _pages(api: PinterestConnector, path: str, scope: str) -> list[dict]:
    items: list[dict] = []
    params: dict = {"page_size": PAGE_SIZE}
    for _page in range(LIST_PAGES):
        body = api.call("GET", path, params=params, scope=scope)
        items += [i for i in body.get("items") or [] if isinstance(i, dict) and i.get("id")]
        if not body.get("bookmark"):
            break
        params = {"page_size": PAGE_SIZE, "bookmark": body["bookmark"]}
    return items
