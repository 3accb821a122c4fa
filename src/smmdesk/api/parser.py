"""The API reads request bodies as JSON objects, nothing else."""

from __future__ import annotations

import json

from ninja.parser import Parser


class BodyNotAnObject(ValueError):
    """Valid JSON, but not an object: api/errors.py answers 422 ``invalid_request``."""


class ObjectParser(Parser):
    """An array or a bare value as the body is refused: read as the payload, it validated
    into an empty patch or an empty post. Text that is not JSON stays a 400."""

    def parse_body(self, request):
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise BodyNotAnObject("the body is not a JSON object")
        return data
