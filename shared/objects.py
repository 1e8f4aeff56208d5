"""Photos and documents in the NATS Object Store, behind a small interface."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError, ObjectNotFoundError

from shared.web.errors import Problem

IMAGE_AND_PDF = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})
_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF",),
}


@dataclass(frozen=True)
class StoredObject:
    id: str
    sha256: str
    size: int
    content_type: str


class ObjectStore:
    """One bucket: size and type limits, SHA-256 on the way in, streamed on the way out."""

    def __init__(
        self,
        js: JetStreamContext,
        bucket: str,
        *,
        max_bytes: int = 10 * 1_048_576,
        allowed_types: frozenset[str] = IMAGE_AND_PDF,
    ) -> None:
        self.js, self.bucket = js, bucket
        self.max_bytes, self.allowed_types = max_bytes, allowed_types
        self._store: Any = None

    async def _bucket(self):  # type: ignore[no-untyped-def]
        if self._store is None:
            try:
                self._store = await self.js.object_store(self.bucket)
            except (NotFoundError, Exception):
                self._store = await self.js.create_object_store(self.bucket)
        return self._store

    def check(self, data: bytes, content_type: str) -> None:
        """Refuse oversize (413), unknown types (415), content not matching its type (422)."""
        if len(data) > self.max_bytes:
            raise Problem(413, "Payload too large", f"the file exceeds {self.max_bytes} bytes")
        if content_type not in self.allowed_types:
            allowed = ", ".join(sorted(self.allowed_types))
            raise Problem(
                415,
                "Unsupported media type",
                f"{content_type} is not accepted (allowed: {allowed})",
            )
        if not data:
            raise Problem(
                422,
                "Invalid input",
                "invalid field(s): file",
                [{"field": "file", "message": "the file is empty"}],
            )
        if not any(data.startswith(m) for m in _MAGIC.get(content_type, (b"",))):
            raise Problem(
                422,
                "Invalid input",
                "invalid field(s): file",
                [{"field": "file", "message": f"the content is not {content_type}"}],
            )

    async def put(self, data: bytes, content_type: str) -> StoredObject:
        """Store a file after checking it; the id is new, the digest is recorded."""
        self.check(data, content_type)
        digest = hashlib.sha256(data).hexdigest()
        object_id = uuid.uuid4().hex
        store = await self._bucket()
        await store.put(object_id, data, meta=None)
        return StoredObject(object_id, digest, len(data), content_type)

    async def get(self, object_id: str) -> bytes:
        """The whole object (raises a 404 problem when unknown)."""
        store = await self._bucket()
        try:
            result = await store.get(object_id)
        except (ObjectNotFoundError, NotFoundError) as exc:
            raise Problem(404, "Not found", f"no file {object_id}") from exc
        return bytes(result.data or b"")

    async def stream(self, object_id: str, chunk: int = 65536) -> AsyncIterator[bytes]:
        """Yield the object in chunks for a streaming HTTP response."""
        data = await self.get(object_id)
        for i in range(0, len(data), chunk):
            yield data[i : i + chunk]
