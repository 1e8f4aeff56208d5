-- Intake: customers (one per normalised phone), leads, complaints with their handling trail,
-- repair requests. Rows created by a branch token carry its branch_id (a branch sees only its own).

CREATE TABLE intake.customers (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    phone       text NOT NULL UNIQUE,            -- normalised (services.intake.domain.phones)
    language    text NOT NULL DEFAULT 'zh',
    branch_id   text,                            -- the branch that registered it first
    version     int NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE intake.leads (
    id                   uuid PRIMARY KEY,
    customer_id          uuid NOT NULL REFERENCES intake.customers (id),
    branch_id            text,
    address              text NOT NULL,
    area_m2              double precision NOT NULL CHECK (area_m2 >= 0),
    layout               text NOT NULL DEFAULT '',
    requirements         text NOT NULL DEFAULT '',
    budget_fen           bigint CHECK (budget_fen >= 0),
    expected_measure_on  date,
    expected_sign_on     date,
    source               text,
    created_by           text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leads_customer ON intake.leads (customer_id, created_at);

CREATE TABLE intake.complaints (
    id                uuid PRIMARY KEY,
    customer_id       uuid NOT NULL REFERENCES intake.customers (id),
    branch_id         text,
    channel           text NOT NULL,
    category          text NOT NULL,
    severity          text NOT NULL,
    description       text NOT NULL,
    department        text NOT NULL,
    assignee          text,
    status            text NOT NULL CHECK (
                          status IN ('open', 'in_progress', 'escalated', 'resolved', 'closed')),
    received_by       text NOT NULL CHECK (received_by IN ('cs', 'reception')),
    received_by_sub   text NOT NULL,
    subject_kind      text,
    subject_id        text,
    escalation_level  text CHECK (escalation_level IN ('dept_head', 'manager')),
    opened_at         timestamptz NOT NULL,      -- business time (may be given by the caller)
    resolved_at       timestamptz,               -- the current resolution; NULL once reopened
    version           int NOT NULL DEFAULT 1,
    created_by        text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complaints_page ON intake.complaints (created_at, id);
CREATE INDEX complaints_status_page ON intake.complaints (status, created_at, id);
CREATE INDEX complaints_department_page ON intake.complaints (department, created_at, id);
CREATE INDEX complaints_customer ON intake.complaints (customer_id);
CREATE INDEX complaints_opened ON intake.complaints (opened_at);

-- The handling sheets "in duplicate": who handed the complaint to whom, and when.
CREATE TABLE intake.complaint_handoffs (
    id               bigserial PRIMARY KEY,
    complaint_id     uuid NOT NULL REFERENCES intake.complaints (id),
    from_department  text NOT NULL,
    to_department    text NOT NULL,
    from_assignee    text,
    to_assignee      text,
    by               text NOT NULL,
    at               timestamptz NOT NULL,
    note             text,
    version          int NOT NULL
);
CREATE INDEX complaint_handoffs_complaint ON intake.complaint_handoffs (complaint_id, id);

CREATE TABLE intake.complaint_escalations (
    id            bigserial PRIMARY KEY,
    complaint_id  uuid NOT NULL REFERENCES intake.complaints (id),
    level         text NOT NULL,
    reason        text NOT NULL,
    automatic     boolean NOT NULL,
    by            text,
    at            timestamptz NOT NULL,
    version       int NOT NULL
);
CREATE INDEX complaint_escalations_complaint ON intake.complaint_escalations (complaint_id, id);
CREATE INDEX complaint_escalations_at ON intake.complaint_escalations (at);

CREATE TABLE intake.complaint_resolutions (
    id                    bigserial PRIMARY KEY,
    complaint_id          uuid NOT NULL REFERENCES intake.complaints (id),
    result                text NOT NULL,
    alternatives_offered  text[] NOT NULL DEFAULT '{}',
    by                    text NOT NULL,
    at                    timestamptz NOT NULL,
    version               int NOT NULL
);
CREATE INDEX complaint_resolutions_complaint ON intake.complaint_resolutions (complaint_id, id);

CREATE TABLE intake.complaint_confirmations (
    id            bigserial PRIMARY KEY,
    complaint_id  uuid NOT NULL REFERENCES intake.complaints (id),
    callback_id   text NOT NULL,
    satisfied     boolean NOT NULL,
    by            text,
    comment       text,
    at            timestamptz NOT NULL,
    version       int NOT NULL
);
CREATE INDEX complaint_confirmations_complaint ON intake.complaint_confirmations (complaint_id, id);

-- Facts from other services already applied to a complaint (a callback, a repair ticket), so
-- the same fact arriving again under another event id has no second effect.
CREATE TABLE intake.complaint_facts (
    complaint_id  uuid NOT NULL REFERENCES intake.complaints (id),
    fact          text NOT NULL,
    version       int NOT NULL,
    handled_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (complaint_id, fact)
);

CREATE TABLE intake.repair_requests (
    id            uuid PRIMARY KEY,
    customer_id   uuid NOT NULL REFERENCES intake.customers (id),
    branch_id     text,
    project_id    text,
    complaint_id  uuid REFERENCES intake.complaints (id),
    address       text NOT NULL,
    problem       text NOT NULL,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX repair_requests_customer ON intake.repair_requests (customer_id, created_at);
