"""The baselines for bench/tracking.py: bare customer pages over the same rows.

    .venv/bin/python -m bench.bare_tracking --port 8099 --database-url postgresql://…

Same server stack as a Kefu service (uvicorn, FastAPI, asyncpg, 20 connections) and the same
main reads the services make — `/t/{waybill}`: the shipment and its scans (logistics);
`/p/{project_id}`: the project and its open repairs (projects, aftersales) — each rendered by
one Jinja2 template; none of the platform: no link signature, no revocation lookup, no token, no
second process, no middleware.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import uvicorn
from fastapi import FastAPI, Request
from jinja2 import Template
from starlette.responses import HTMLResponse

PAGE = Template(
    """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>运单 {{ s.waybill }}
</title></head><body><main><h1>运单 {{ s.waybill }}</h1><p role="status">{{ s.status }}</p>
<dl><dt>线路</dt><dd>{{ s.origin_branch }} → {{ s.destination_branch }}</dd>
<dt>承诺到达</dt><dd>{{ s.promised_arrival_at }}</dd><dt>收货人</dt>
<dd>{{ s.consignee_name[0] }}** · {{ s.consignee_phone[:3] }}****{{ s.consignee_phone[-4:] }}</dd>
</dl><ol>{% for e in scans %}<li><time>{{ e.at }}</time> {{ e.kind }} · {{ e.station }}</li>
{% endfor %}</ol></main></body></html>""",
    autoescape=True,
)


PROJECT = Template(
    """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>我的装修工程</title>
</head><body><main><h1>我的装修工程</h1><p role="status">当前阶段：{{ p.stage }}</p>
<p>{{ p.address[:7] }}****</p><ul>{% for r in repairs %}<li>{{ r.problem }} · {{ r.status }}
</li>{% endfor %}</ul></main></body></html>""",
    autoescape=True,
)


def create_app(database_url: str, pool_max: int = 20) -> FastAPI:
    """A FastAPI app with two pages: a shipment and its scans, a project and its repairs."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(database_url, min_size=2, max_size=pool_max)
        yield
        await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/t/{waybill}")
    async def page(waybill: str, request: Request) -> HTMLResponse:
        async with request.app.state.pool.acquire() as conn:
            s = await conn.fetchrow("SELECT * FROM logistics.shipments WHERE waybill = $1", waybill)
            scans = await conn.fetch(
                "SELECT kind, station, at FROM logistics.scans WHERE waybill = $1 AND applied"
                " ORDER BY at DESC",
                waybill,
            )
        if s is None:
            return HTMLResponse("not found", status_code=404)
        return HTMLResponse(PAGE.render(s=s, scans=scans))

    @app.get("/p/{project_id}")
    async def project(project_id: str, request: Request) -> HTMLResponse:
        async with request.app.state.pool.acquire() as conn:
            p = await conn.fetchrow("SELECT * FROM projects.projects WHERE id = $1", project_id)
            repairs = await conn.fetch(
                "SELECT problem, status FROM aftersales.repairs WHERE project_id = $1"
                " AND status <> ALL($2::text[]) ORDER BY opened_at, id LIMIT 50",
                project_id,
                ["completed", "closed"],
            )
        if p is None:
            return HTMLResponse("not found", status_code=404)
        return HTMLResponse(PROJECT.render(p=p, repairs=repairs))

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.database_url),
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
    )
