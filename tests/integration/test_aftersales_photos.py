"""Repair photos through the real NATS Object Store: round trip, 413, 415, wrong moment."""

from __future__ import annotations

import hashlib
import os

import pytest
from nats.js import JetStreamContext

from services.aftersales.app import create_app
from services.aftersales.config import AftersalesSettings
from shared.settings import Settings
from tests.support.aftersales import (
    ADMIN,
    new_id,
    opened_ticket,
    post,
    token,
)
from tests.support.harness import running

pytestmark = pytest.mark.quick

PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(300_000)  # spans several object-store chunks
LIMIT = 512 * 1024


async def test_photo_round_trip_and_rejected_uploads(
    settings: Settings, js: JetStreamContext
) -> None:
    config = AftersalesSettings(photo_max_bytes=LIMIT, photo_bucket="kefu-aftersales-test")
    async with running(create_app(settings, config=config)) as client:
        rid = await opened_ticket(client, js, new_id("prj"))
        photos = f"/v1/repairs/{rid}/photos"
        too_soon = await client.post(
            photos, files={"file": ("a.png", PNG, "image/png")}, headers=ADMIN
        )
        assert too_soon.status_code == 409
        assert (
            "add a photo (from the survey booking until the ticket is closed)"
            in (too_soon.json()["detail"])
        )
        await post(client, f"/v1/repairs/{rid}/assignment", {"staff": "tech-1"})
        await post(client, f"/v1/repairs/{rid}/survey-booking", {"at": "2026-12-01T10:00:00+08:00"})

        r = await client.post(
            photos, files={"file": ("ceiling.png", PNG, "image/png")}, headers=ADMIN
        )
        assert r.status_code == 201, r.text
        stored = r.json()
        oversize = await client.post(
            photos,
            files={"file": ("big.png", PNG[:8] + bytes(LIMIT), "image/png")},
            headers=ADMIN,
        )
        wrong_type = await client.post(
            photos, files={"file": ("a.gif", b"GIF89a...", "image/gif")}, headers=ADMIN
        )
        fake_png = await client.post(
            photos, files={"file": ("x.png", b"not a png", "image/png")}, headers=ADMIN
        )
        # A photo of the repair (during, after) waits until the repair is scheduled.
        too_early_end = await client.post(
            photos,
            files={"file": ("end.png", PNG[:64], "image/png")},
            data={"phase": "after"},
            headers=ADMIN,
        )
        bad_phase = await client.post(
            photos,
            files={"file": ("end.png", PNG[:64], "image/png")},
            data={"phase": "later"},
            headers=ADMIN,
        )
        got = await client.get(
            f"{photos}/{stored['photo_id']}", headers=token(settings, "supervision")
        )
        unknown = await client.get(f"{photos}/nope", headers=ADMIN)
        view = (await client.get(f"/v1/repairs/{rid}", headers=ADMIN)).json()
        bucket = await js.object_store("kefu-aftersales-test")
        info = await bucket.get_info(stored["photo_id"])

    assert stored["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert stored["phase"] == "survey"  # before the repair is scheduled: the survey's
    assert too_early_end.status_code == 409 and too_early_end.json()["code"] == "photo_phase"
    assert bad_phase.status_code == 422 and bad_phase.json()["errors"][0]["field"] == "phase"
    assert stored["size"] == len(PNG) and stored["content_type"] == "image/png"
    assert info.size == len(PNG)
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert oversize.status_code == 413
    assert oversize.json()["detail"] == f"the file exceeds {LIMIT} bytes"
    assert wrong_type.status_code == 415
    assert "image/gif is not accepted" in wrong_type.json()["detail"]
    assert fake_png.status_code == 422
    assert unknown.status_code == 404
    assert [(p["photo_id"], p["phase"]) for p in view["photos"]] == [(stored["photo_id"], "survey")]
    assert view["photos"][0]["sha256"] == stored["sha256"]
    assert view["history"][-1]["action"] == "photo_added"
