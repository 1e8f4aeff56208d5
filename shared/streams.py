"""JetStream streams and consumers: `kefu bus declare` (docs/ARCHITECTURE.md §5, §4)."""

from __future__ import annotations

from nats.js import JetStreamContext, api

from shared.consumers import CONSUMERS, ConsumerSpec

EVENT_SUBJECTS: tuple[str, ...] = (
    "customer.>",
    "lead.>",
    "complaint.>",
    "repair.>",
    "project.>",
    "shipper.>",
    "shipment.>",
    "receipt.>",
    "callback.>",
    "notification.>",
    "report.>",
)
ADVISORY_PREFIX = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"
DUPLICATE_WINDOW_S = 120.0


def stream_configs(replicas: int = 1, max_age_days: int = 30) -> list[api.StreamConfig]:
    """EVENTS, INGEST and the capture of max-delivery advisories."""
    age = max_age_days * 86400.0
    return [
        api.StreamConfig(
            name="EVENTS",
            subjects=list(EVENT_SUBJECTS),
            storage=api.StorageType.FILE,
            retention=api.RetentionPolicy.LIMITS,
            duplicate_window=DUPLICATE_WINDOW_S,
            max_age=age,
            num_replicas=replicas,
        ),
        api.StreamConfig(
            name="INGEST",
            subjects=["ingest.>"],
            storage=api.StorageType.FILE,
            retention=api.RetentionPolicy.LIMITS,
            duplicate_window=DUPLICATE_WINDOW_S,
            max_age=age,
            num_replicas=replicas,
        ),
        api.StreamConfig(
            name="ADVISORIES",
            subjects=[f"{ADVISORY_PREFIX}.>"],
            storage=api.StorageType.FILE,
            retention=api.RetentionPolicy.LIMITS,
            max_age=age,
            num_replicas=replicas,
        ),
    ]


def consumer_config(spec: ConsumerSpec) -> api.ConsumerConfig:
    """A durable pull consumer with bounded deliveries and no server-side backoff."""
    config = api.ConsumerConfig(
        name=spec.durable,
        durable_name=spec.durable,
        ack_policy=api.AckPolicy.EXPLICIT,
        deliver_policy=api.DeliverPolicy.ALL,
        ack_wait=spec.ack_wait,
        max_deliver=spec.max_deliver,
        max_ack_pending=spec.max_ack_pending,
    )
    if len(spec.subjects) == 1:
        config.filter_subject = spec.subjects[0]
    else:
        config.filter_subjects = list(spec.subjects)
    return config


def advisory_durable(service: str) -> str:
    """The consumer that sweeps one service's max-delivery advisories into dead letters."""
    return f"{service}-advisories"


def advisory_config(service: str, specs: tuple[ConsumerSpec, ...]) -> api.ConsumerConfig:
    """Filter the advisories of one service's consumers."""
    subjects = [f"{ADVISORY_PREFIX}.{s.stream}.{s.durable}" for s in specs]
    config = api.ConsumerConfig(
        name=advisory_durable(service),
        durable_name=advisory_durable(service),
        ack_policy=api.AckPolicy.EXPLICIT,
        ack_wait=30.0,
        max_deliver=20,
    )
    if len(subjects) == 1:
        config.filter_subject = subjects[0]
    else:
        config.filter_subjects = subjects
    return config


async def declare(
    js: JetStreamContext,
    consumers: tuple[ConsumerSpec, ...] = CONSUMERS,
    *,
    replicas: int = 1,
    max_age_days: int = 30,
) -> list[str]:
    """Create or update the streams and every durable consumer; return what was declared."""
    declared: list[str] = []
    for cfg in stream_configs(replicas, max_age_days):
        try:
            await js.stream_info(cfg.name or "")
            await js.update_stream(config=cfg)
        except Exception as exc:
            if "not found" not in str(exc).lower():
                raise
            await js.add_stream(config=cfg)
        declared.append(f"stream {cfg.name}")
    for spec in consumers:
        await js.add_consumer(spec.stream, config=consumer_config(spec))
        declared.append(f"consumer {spec.stream}/{spec.durable}")
    for service in sorted({c.service for c in consumers}):
        own = tuple(c for c in consumers if c.service == service)
        await js.add_consumer("ADVISORIES", config=advisory_config(service, own))
        declared.append(f"consumer ADVISORIES/{advisory_durable(service)}")
    return declared
