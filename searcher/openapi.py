"""The OpenAPI 3.0 description of ``/api/*``, served at ``/openapi.json``.

``tests/test_api_contract.py`` drives the API from this document (schemathesis)
and checks every answer against it, so it stays true.
"""
from __future__ import annotations

from .search import MAX_LIMIT, MAX_PAGE

_STR = {"type": "string"}
_NSTR = {"type": "string", "nullable": True}
_INT = {"type": "integer"}
_COUNT = {"type": "object", "required": ["key", "count"], "properties": {"key": _STR, "count": _INT}}
_REPEAT = {"type": "object", "nullable": True, "description": "Where the paragraph's other copies are.",
           "required": ["kind", "group", "count"],
           "properties": {"kind": {"type": "string", "enum": ["exact", "near", "partial", "boilerplate"]},
                          "similarity": {"type": "number"}, "count": _INT,
                          "group": {"type": "array", "items": {"type": "object", "required": ["id", "n"],
                                                               "properties": {"id": _STR, "n": _INT}}},
                          "first": {"type": "object"}, "is_first": {"type": "boolean"}}}
_ERROR = {"description": "The request cannot run; `error` says why.",
          "content": {"application/json": {"schema": {"type": "object", "required": ["error"],
                                                      "properties": {"error": _STR}}}}}


def _q(name, schema, description, required=False, repeat=False):
    p = {"name": name, "in": "query", "required": required, "description": description,
         "schema": {"type": "array", "items": schema} if repeat else schema}
    if repeat:
        p.update(style="form", explode=True)
    return p


SEARCH_PARAMS = [
    _q("q", {"type": "string", "minLength": 1, "maxLength": 500},
       "The query: words (all required), \"phrases\", OR, -excluded.", required=True),
    _q("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page of results, from 1."),
    _q("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, "Articles per page."),
    _q("op", {"type": "string", "enum": ["and", "or"]}, "`or`: any word, ranked by BM25."),
    _q("from", {"type": "string", "format": "date"}, "Only articles dated on or after (YYYY-MM-DD)."),
    _q("to", {"type": "string", "format": "date"}, "Only articles dated on or before (YYYY-MM-DD)."),
    _q("undated", {"type": "string", "enum": ["include", "only"]},
       "With a date filter, `include` keeps undated articles; `only` shows only them."),
    _q("sort", {"type": "string", "enum": ["relevance", "date", "-date"]}, "`date`: newest first."),
    _q("variants", {"type": "string", "enum": ["on", "off"]}, "`off`: only the spelling typed."),
    _q("discovered", {"type": "string", "enum": ["on", "off"]},
       "`off`: leave out variants the index discovered itself (alike in sound and context)."),
    _q("source", {"type": "string", "maxLength": 200}, "Only these outlets (repeatable).", repeat=True),
    _q("exclude", {"type": "string", "maxLength": 200}, "Spellings of a name not to search (repeatable).",
       repeat=True),
]

SEARCH_RESULT = {
    "type": "object", "required": ["query", "total", "page", "pages", "results", "variants", "facets"],
    "properties": {
        "query": _STR, "total": {"type": "integer", "minimum": 0}, "page": _INT, "pages": {"type": "integer", "minimum": 1},
        "results": {"type": "array", "items": {
            "type": "object", "required": ["id", "title", "date", "source", "url", "score", "passages"],
            "properties": {
                "id": _STR, "title": _STR, "date": {**_NSTR, "format": "date"}, "source": _NSTR, "url": _NSTR,
                "author": _NSTR, "score": {"type": "number"},
                "passages": {"type": "array", "items": {
                    "type": "object", "required": ["n", "html", "text", "repeat", "duplicate_of"],
                    "properties": {"n": _INT, "html": _STR, "text": _STR, "repeat": _REPEAT,
                                   "duplicate_of": {"type": "object", "nullable": True,
                                                    "properties": {"id": _STR, "n": _INT}}}}}}}},
        "variants": {"type": "array", "items": {
            "type": "object", "required": ["term", "group", "sources"],
            "properties": {"term": _STR, "group": {"type": "array", "items": _STR},
                           "sources": {"type": "array", "items": _STR}}}},
        "exclude": {"type": "array", "items": _STR},
        "facets": {"type": "object", "required": ["source", "date", "spelling"], "properties": {
            "source": {"type": "array", "items": _COUNT, "description": "Matching articles per outlet "
                                                                         "(ignoring the outlet filter)."},
            "date": {"type": "array", "items": _COUNT,
                     "description": "Matching articles per month (YYYY-MM) or day (YYYY-MM-DD), oldest first; "
                                    "months or days without matches are left out."},
            "date_unit": {"type": "string", "enum": ["day", "month"]},
            "undated": {"type": "integer", "minimum": 0,
                        "description": "Matching articles without a date (ignoring the date filter)."},
            "spelling": {"type": "array", "items": {
                "type": "object", "required": ["key", "count", "by_source"],
                "properties": {"key": _STR, "count": _INT, "term": _STR, "excluded": {"type": "boolean"},
                               "typed": {"type": "boolean"},
                               "by_source": {"type": "object", "additionalProperties": _INT},
                               "by_date": {"type": "object", "additionalProperties": _INT},
                               "span_by_source": {"type": "object", "additionalProperties": {
                                   "type": "array", "items": _STR}}}}}}},
    },
}

ARTICLE = {
    "type": "object", "required": ["id", "title", "date", "source", "url", "paragraphs"],
    "properties": {"id": _STR, "title": _STR, "date": _NSTR, "source": _NSTR, "url": _NSTR, "author": _NSTR,
                   "paragraphs": {"type": "array", "items": {
                       "type": "object", "required": ["n", "text", "repeat"],
                       "properties": {"n": _INT, "text": _STR, "repeat": _REPEAT}}}},
}


ARTICLE_IN = {
    "type": "object", "required": ["id"],
    "properties": {"id": {"type": "string", "minLength": 1}, "title": _STR,
                   "date": {"type": "string", "description": "YYYY-MM-DD or YYYYMMDD"},
                   "source": _STR, "url": _STR, "author": _STR, "text": _STR,
                   "paragraphs": {"type": "array", "items": _STR}},
    "description": "An article as in a JSON-lines source: `text` (paragraphs separated by newlines) "
                   "or `paragraphs`.",
}
_WRITE_ERRORS = {
    "400": _ERROR,
    "401": {**_ERROR, "description": "No token, or the wrong one (send `Authorization: Bearer TOKEN`)."},
    "403": {**_ERROR, "description": "Writes are off on this server (no write token configured)."},
    "503": {**_ERROR, "description": "Another writer held the index too long; try again."},
}


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "searcher: search Chinese news text", "version": "1",
                 "description": "Search results grouped by article, facets by outlet, date and spelling, "
                                "articles, export and name suggestions. Fields are added, never renamed."},
        "paths": {
            "/api/search": {"get": {
                "summary": "Search: matching articles with highlighted passages and facets.",
                "parameters": SEARCH_PARAMS,
                "responses": {"200": {"description": "Results.", "content": {"application/json": {
                    "schema": SEARCH_RESULT}}}, "400": _ERROR}}},
            "/api/articles/{id}": {"get": {
                "summary": "One article, every paragraph with its repeat flag.",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": _STR}],
                "responses": {"200": {"description": "The article.", "content": {"application/json": {
                    "schema": ARTICLE}}}, "404": _ERROR}},
                "delete": {
                "summary": "Delete an article (one commit). Needs the write token.",
                "security": [{"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": _STR}],
                "responses": {"200": {"description": "Deleted.", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["deleted"], "properties": {
                        "deleted": {"type": "array", "items": _STR}, "generation": _INT}}}}},
                    "404": _ERROR, **_WRITE_ERRORS}}},
            "/api/articles": {"post": {
                "summary": "Add articles (one object or a list); an indexed id is replaced. One commit: "
                           "nothing half-written is ever visible. Needs the write token.",
                "security": [{"bearer": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "oneOf": [ARTICLE_IN, {"type": "array", "items": ARTICLE_IN}]}}}},
                "responses": {
                    "201": {"description": "Added (some new articles).", "content": {"application/json": {
                        "schema": {"type": "object"}}}},
                    "200": {"description": "Replaced articles already indexed.", "content": {
                        "application/json": {"schema": {"type": "object"}}}},
                    "413": {**_ERROR, "description": "The body is too large."}, **_WRITE_ERRORS}}},
            "/api/export": {"get": {
                "summary": "Every matching passage (columns id, title, source, date, n, text, url), "
                           "at most 5000 rows: X-Export-Rows, X-Export-Total and X-Export-Cap say how many.",
                "parameters": SEARCH_PARAMS + [_q("format", {"type": "string", "enum": ["csv", "jsonl"]},
                                                 "csv (UTF-8 with a byte-order mark) or JSON lines.")],
                "responses": {"200": {"description": "The passages.", "content": {
                    "text/csv": {"schema": _STR}, "application/x-ndjson": {"schema": _STR}}}, "400": _ERROR}}},
            "/api/suggest": {"get": {
                "summary": "Names the index holds that start with q, with their other spellings.",
                "parameters": [_q("q", {"type": "string", "maxLength": 100}, "What has been typed.")],
                "responses": {"200": {"description": "Suggestions, most frequent first.", "content": {
                    "application/json": {"schema": {"type": "object", "required": ["suggestions"], "properties": {
                        "suggestions": {"type": "array", "items": {
                            "type": "object", "required": ["text", "variants"],
                            "properties": {"text": _STR, "count": _INT,
                                           "variants": {"type": "array", "items": _STR}}}}}}}}},
                    "400": _ERROR}}},
            "/api/variants": {"get": {
                "summary": "Every spelling of a name and where each comes from.",
                "parameters": [_q("q", {"type": "string", "minLength": 1, "maxLength": 200}, "A name.",
                                  required=True),
                               _q("discovered", {"type": "string", "enum": ["0", "1"]},
                                  "`1`: also variants the index proposes itself, with their evidence.")],
                "responses": {"200": {"description": "The group (empty if none).", "content": {
                    "application/json": {"schema": {"type": "object"}}}}, "400": _ERROR}}},
            "/api/repeats": {"get": {
                "summary": "Repeated paragraphs of the indexed articles, largest group first.",
                "parameters": [_q("kind", {"type": "string", "enum": ["exact", "near", "partial", "boilerplate"]},
                                  "Only this kind."),
                               _q("limit", {"type": "integer", "minimum": 1}, "At most this many groups.")],
                "responses": {"200": {"description": "The groups.", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["total", "groups"], "properties": {
                        "total": _INT, "groups": {"type": "array", "items": {"type": "object"}}}}}}},
                    "400": _ERROR}}},
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "The server's write token."}}},
    }
