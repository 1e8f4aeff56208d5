-- The projects service: the project aggregate (state as JSONB with its key facts as columns),
-- its deadlines, materials, reviews, inspections, and projections of complaints and callbacks.

CREATE TABLE projects.projects (
    id               text PRIMARY KEY,
    customer_id      text NOT NULL,
    lead_id          text UNIQUE,
    branch_id        text,
    address          text NOT NULL DEFAULT '',
    stage            text NOT NULL,
    version          int NOT NULL,
    designer         text,
    project_manager  text,
    state            jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_customer ON projects.projects (customer_id);
CREATE INDEX projects_manager ON projects.projects (project_manager);
CREATE INDEX projects_stage ON projects.projects (stage);
CREATE INDEX projects_created ON projects.projects (created_at, id);

-- Every stage change with who made it and why (the audit trail).
CREATE TABLE projects.stage_log (
    project_id  text NOT NULL REFERENCES projects.projects (id),
    version     int NOT NULL,
    from_stage  text NOT NULL,
    to_stage    text NOT NULL,
    at          timestamptz NOT NULL,
    by          text NOT NULL,
    note        text,
    PRIMARY KEY (project_id, version)
);

CREATE TABLE projects.deadlines (
    project_id    text NOT NULL REFERENCES projects.projects (id),
    deadline      text NOT NULL,
    started_at    timestamptz NOT NULL,
    due_at        timestamptz NOT NULL,
    due_on        date NOT NULL,
    satisfied_at  timestamptz,
    missed_at     timestamptz,
    PRIMARY KEY (project_id, deadline)
);

CREATE TABLE projects.materials (
    id           bigserial PRIMARY KEY,
    project_id   text NOT NULL REFERENCES projects.projects (id),
    category     text NOT NULL,
    supplier     text,
    brand        text,
    model        text,
    spec         text,
    colour       text,
    quantity     numeric,
    recorded_at  timestamptz NOT NULL,
    recorded_by  text NOT NULL
);
CREATE INDEX materials_project ON projects.materials (project_id, id);

CREATE TABLE projects.material_changes (
    id                  text PRIMARY KEY,
    project_id          text NOT NULL REFERENCES projects.projects (id),
    description         text NOT NULL,
    signed_by_customer  boolean NOT NULL,
    at                  timestamptz NOT NULL,
    recorded_by         text NOT NULL
);
CREATE INDEX material_changes_project ON projects.material_changes (project_id, at);

CREATE TABLE projects.reviews (
    id          text PRIMARY KEY,
    project_id  text NOT NULL REFERENCES projects.projects (id),
    status      text NOT NULL,
    version     int NOT NULL,
    state       jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reviews_project ON projects.reviews (project_id);

CREATE TABLE projects.inspections (
    id          text PRIMARY KEY,
    project_id  text NOT NULL REFERENCES projects.projects (id),
    inspector   text NOT NULL,
    at          timestamptz NOT NULL,
    month       text NOT NULL,
    quality     int NOT NULL,
    progress    int NOT NULL,
    tidiness    int NOT NULL,
    problems    jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX inspections_month ON projects.inspections (month, project_id);
CREATE INDEX inspections_project ON projects.inspections (project_id, at);

-- Projection of complaint.opened about projects (the monthly rating counts them).
CREATE TABLE projects.project_complaints (
    complaint_id  text PRIMARY KEY,
    project_id    text NOT NULL,
    opened_at     timestamptz NOT NULL,
    month         text NOT NULL
);
CREATE INDEX project_complaints_month ON projects.project_complaints (month, project_id);

-- Projection of callback.scheduled/completed about projects (satisfaction, care compliance).
CREATE TABLE projects.project_callbacks (
    callback_id      text PRIMARY KEY,
    project_id       text NOT NULL,
    purpose          text NOT NULL,
    stage            text,
    due_at           timestamptz NOT NULL,
    project_manager  text,
    version          int NOT NULL,
    completed        boolean NOT NULL DEFAULT false,
    reached          boolean,
    satisfaction     int,
    ratings          jsonb NOT NULL DEFAULT '{}'::jsonb,
    completed_at     timestamptz,
    month            text
);
CREATE INDEX project_callbacks_project ON projects.project_callbacks (project_id);
CREATE INDEX project_callbacks_month ON projects.project_callbacks (month, project_id);
