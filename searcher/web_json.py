"""The page's and API's JSON encoder: Flask's provider with orjson underneath.

A search response is 10-25 KB of nested results, passages and facets, and the
standard library's encoder took half a millisecond of every API request for it.
orjson (a maintained C extension) writes the same JSON (UTF-8, keys in insertion
order) many times faster; what it cannot encode natively falls back to Flask's own
conversions (dates, dataclasses, ...).
"""
from __future__ import annotations

import orjson
from flask.json.provider import DefaultJSONProvider

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


class OrjsonProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    def dumps(self, obj, **kwargs) -> str:
        if kwargs:  # a caller asking for the standard library's options (indent, ...)
            return super().dumps(obj, **kwargs)
        return orjson.dumps(obj, default=self.default, option=_OPTIONS).decode()

    def body(self, obj) -> bytes:
        """The bytes of a JSON response of ``obj`` (as ``response`` sends them)."""
        return orjson.dumps(obj, default=self.default, option=_OPTIONS) + b"\n"

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.body(obj), mimetype=self.mimetype)
