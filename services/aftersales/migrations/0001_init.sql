-- After-sales repairs (DOMAIN.md §3): tickets, their history and photos, service-level breaches,
-- and the projections of projects it keeps from events (stage, completion, materials).

CREATE TABLE aftersales.repairs (
    id                        text PRIMARY KEY,
    -- What opened it: 'repair.requested:<request_id>' or 'complaint.opened:<complaint_id>';
    -- NULL for a ticket opened for a new problem found during a repair.
    source                    text UNIQUE,
    branch_id                 text,
    customer_id               text NOT NULL,
    project_id                text,
    complaint_id              text,
    parent_id                 text REFERENCES aftersales.repairs (id),
    problem                   text NOT NULL,
    address                   text,
    status                    text NOT NULL,
    version                   integer NOT NULL,
    opened_at                 timestamptz NOT NULL,
    staff                     text,
    assigned_at               timestamptz,
    first_contact_at          timestamptz,
    survey_at                 timestamptz,
    surveyed_at               timestamptz,
    findings                  text,
    proposed_fix              text,
    problem_kind              text,
    covered                   boolean,
    warranty_reason           text,
    warranty_ends_on          date,
    fee_quote_fen             bigint,
    quote_accepted            boolean NOT NULL DEFAULT false,
    quote_accepted_at         timestamptz,
    repair_on                 date,
    duration_days             integer,
    repair_started_at         timestamptz,
    materials                 jsonb NOT NULL DEFAULT '[]'::jsonb,
    completed_at              timestamptz,
    evaluation_score          smallint,
    evaluation_comment        text,
    fee_paid_fen              bigint,
    reimbursement_fen         bigint,
    reimbursement_claimed_at  timestamptz,
    dept_approved_by          text,
    dept_approved_at          timestamptz,
    finance_approved_by       text,
    finance_approved_at       timestamptz,
    closed_at                 timestamptz,
    summary                   text,
    created_at                timestamptz NOT NULL DEFAULT now()
);
-- One ticket per complaint, whichever event (complaint.opened or repair.requested) came first;
-- tickets for new problems found during a repair never carry the complaint.
CREATE UNIQUE INDEX repairs_one_per_complaint ON aftersales.repairs (complaint_id)
    WHERE complaint_id IS NOT NULL AND parent_id IS NULL;
CREATE INDEX repairs_by_opening ON aftersales.repairs (opened_at, id);
CREATE INDEX repairs_by_project ON aftersales.repairs (project_id, opened_at, id);
CREATE INDEX repairs_by_status ON aftersales.repairs (status, opened_at, id);
CREATE INDEX repairs_by_parent ON aftersales.repairs (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE aftersales.repair_history (
    id           bigserial PRIMARY KEY,
    repair_id    text NOT NULL REFERENCES aftersales.repairs (id),
    at           timestamptz NOT NULL,
    action       text NOT NULL,
    by           text,
    details      jsonb NOT NULL DEFAULT '{}'::jsonb,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX repair_history_by_repair ON aftersales.repair_history (repair_id, id);

CREATE TABLE aftersales.repair_photos (
    photo_id      text PRIMARY KEY,
    repair_id     text NOT NULL REFERENCES aftersales.repairs (id),
    sha256        text NOT NULL,
    size_bytes    bigint NOT NULL,
    content_type  text NOT NULL,
    uploaded_by   text NOT NULL,
    uploaded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX repair_photos_by_repair ON aftersales.repair_photos (repair_id, uploaded_at);

CREATE TABLE aftersales.sla_breaches (
    repair_id    text NOT NULL REFERENCES aftersales.repairs (id),
    step         text NOT NULL,
    due_at       timestamptz NOT NULL,
    detected_at  timestamptz NOT NULL,
    PRIMARY KEY (repair_id, step, due_at)
);

-- Projection of project.stage.changed: what a warranty decision and a complaint need.
CREATE TABLE aftersales.projects (
    project_id        text PRIMARY KEY,
    customer_id       text NOT NULL,
    stage             text NOT NULL,
    completed_on      date,
    warranty_ends_on  date,
    version           bigint NOT NULL,
    changed_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Projection of project.materials.recorded: the customer file's materials, the full list.
CREATE TABLE aftersales.project_materials (
    project_id  text PRIMARY KEY,
    items       jsonb NOT NULL,
    version     bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
