-- Notifications (DOMAIN.md §5): the contact book, project rosters, callback tasks with their
-- outcomes, recurring call schedules and the message log. Timers (callback checks, schedule
-- runs, message sends) are rows of the platform's notifications.timers table.

-- The contact book: the only copy of phones outside intake (customers) and logistics (shippers).
CREATE TABLE notifications.contacts (
    kind        text NOT NULL,              -- customer | shipper
    contact_id  text NOT NULL,
    name        text,
    phone       text,
    language    text NOT NULL DEFAULT 'zh',
    version     integer NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, contact_id)
);

-- Who works on a project: project calls are assigned from it.
CREATE TABLE notifications.projects (
    project_id       text PRIMARY KEY,
    customer_id      text,
    designer         text,
    project_manager  text,
    version          integer NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Recurring calls (weekly works, quarterly warranty, monthly key customer): one timer each.
CREATE TABLE notifications.schedules (
    id                    text PRIMARY KEY,
    dedupe_key            text NOT NULL UNIQUE,
    purpose               text NOT NULL,
    kind                  text NOT NULL,    -- weekly | monthly | quarterly
    entity_kind           text NOT NULL,
    entity_id             text NOT NULL,
    anchor                timestamptz NOT NULL,
    stops_at              timestamptz,
    stops_when            text NOT NULL,
    script                text NOT NULL,
    team                  text,
    assignee              text,
    customer_id           text,
    assignee_from_roster  text,
    status                text NOT NULL,    -- active | ended | cancelled
    next_at               timestamptz,
    branch_id             text,
    correlation_id        uuid,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
-- One active schedule per purpose and record (a repeated shipper.registered starts none).
CREATE UNIQUE INDEX schedules_one_active ON notifications.schedules (purpose, entity_kind, entity_id)
    WHERE status = 'active';
CREATE INDEX schedules_by_entity ON notifications.schedules (entity_id);

CREATE TABLE notifications.callbacks (
    id                    text PRIMARY KEY,
    dedupe_key            text NOT NULL UNIQUE,
    purpose               text NOT NULL,
    stage                 text,
    entity_kind           text NOT NULL,
    entity_id             text NOT NULL,
    customer_id           text,
    due_at                timestamptz NOT NULL,
    status                text NOT NULL,    -- scheduled | due | overdue | done | given_up | cancelled
    assignee              text,
    team                  text,
    attempts              integer NOT NULL DEFAULT 0,
    level                 text,
    script                text NOT NULL,
    project_manager       text,
    assignee_from_roster  text,
    schedule_id           text REFERENCES notifications.schedules (id),
    version               integer NOT NULL DEFAULT 1,
    branch_id             text,
    correlation_id        uuid,
    cause_event_id        uuid,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    closed_at             timestamptz
);
-- The due query and the worklists read open tasks only: partial indexes stay small while done
-- tasks pile up.
CREATE INDEX callbacks_open_due ON notifications.callbacks (due_at, id)
    WHERE status IN ('scheduled', 'due', 'overdue');
CREATE INDEX callbacks_open_team ON notifications.callbacks (team, due_at, id)
    WHERE status IN ('scheduled', 'due', 'overdue');
CREATE INDEX callbacks_open_assignee ON notifications.callbacks (assignee, due_at, id)
    WHERE status IN ('scheduled', 'due', 'overdue');
CREATE INDEX callbacks_by_due ON notifications.callbacks (due_at, id);
CREATE INDEX callbacks_by_entity ON notifications.callbacks (entity_id, due_at, id);
CREATE INDEX callbacks_by_customer ON notifications.callbacks (customer_id, due_at, id)
    WHERE customer_id IS NOT NULL;
CREATE INDEX callbacks_by_purpose ON notifications.callbacks (purpose, due_at, id);
CREATE INDEX callbacks_roster_pending ON notifications.callbacks (entity_id)
    WHERE assignee IS NULL AND assignee_from_roster IS NOT NULL
      AND status IN ('scheduled', 'due', 'overdue');

-- Every call made on a callback (reached or not), in order.
CREATE TABLE notifications.callback_outcomes (
    callback_id   text NOT NULL REFERENCES notifications.callbacks (id),
    attempt       integer NOT NULL,
    reached       boolean NOT NULL,
    satisfied     boolean,
    satisfaction  smallint,
    ratings       jsonb NOT NULL DEFAULT '{}'::jsonb,
    comment       text,
    recorded_by   text,
    at            timestamptz NOT NULL,
    PRIMARY KEY (callback_id, attempt)
);

-- The message log: every SMS, e-mail and webhook, queued once per dedupe key.
CREATE TABLE notifications.messages (
    id               text PRIMARY KEY,
    dedupe_key       text NOT NULL UNIQUE,
    channel          text NOT NULL,        -- sms | email | webhook
    template         text NOT NULL,
    recipient_kind   text NOT NULL,        -- customer | phone | audience
    recipient_value  text NOT NULL,
    recipient_label  text NOT NULL,
    webhook_url      text,
    address          text,                 -- resolved at send time (phone, addresses, URL)
    params           jsonb NOT NULL,
    language         text,                 -- fixed by the rule; NULL: the contact's language
    rendered_language text NOT NULL,
    subject          text,
    body             text NOT NULL,
    entity_kind      text,
    entity_id        text,
    customer_id      text,
    attachment_name  text,
    attachment_type  text,
    attachment       text,
    status           text NOT NULL,        -- queued | sent | failed
    attempts         integer NOT NULL DEFAULT 0,
    send_at          timestamptz NOT NULL,
    sent_at          timestamptz,
    provider_ref     text,
    last_error       text,
    branch_id        text,
    correlation_id   uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_by_created ON notifications.messages (created_at, id);
CREATE INDEX messages_by_customer ON notifications.messages (customer_id, created_at, id)
    WHERE customer_id IS NOT NULL;
CREATE INDEX messages_by_entity ON notifications.messages (entity_id, created_at, id)
    WHERE entity_id IS NOT NULL;
CREATE INDEX messages_queued ON notifications.messages (send_at) WHERE status = 'queued';
CREATE INDEX messages_by_template ON notifications.messages (template, created_at, id);
