"""The Content-Disposition of a file a service or the console hands out."""

from __future__ import annotations

import re
from urllib.parse import quote

# What may stand in a header's quoted ASCII file name as it is.
_NOT_IN_ASCII_NAME = re.compile(r"[^A-Za-z0-9._-]")


def attachment(filename: str, *, inline: bool = False) -> str:
    """A Content-Disposition for a download (or, `inline`, a file the browser may show): an
    ASCII name for every browser, and the real one (a region or branch in Chinese, say) as
    RFC 6266's UTF-8 `filename*`. A header is Latin-1, so the name as typed would fail the
    response."""
    kind = "inline" if inline else "attachment"
    fallback = _NOT_IN_ASCII_NAME.sub("_", filename)
    if fallback == filename:
        return f'{kind}; filename="{filename}"'
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
