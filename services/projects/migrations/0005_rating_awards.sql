-- Rewards and penalties decided on the monthly rating (奖优罚劣,重奖重罚, docs/DOMAIN.md §2.2):
-- at most one per project and month.
CREATE TABLE projects.rating_awards (
    month        text NOT NULL,
    project_id   text NOT NULL REFERENCES projects.projects (id),
    kind         text NOT NULL,
    amount_fen   bigint NOT NULL,
    person       text,
    reason       text NOT NULL,
    decided_by   text NOT NULL,
    at           timestamptz NOT NULL,
    PRIMARY KEY (month, project_id)
);
