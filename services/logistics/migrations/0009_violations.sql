-- The register of breaches of the customer-service prohibitions (客服工作禁令) per branch, for
-- the monthly compliance report.

CREATE TABLE logistics.violations (
    violation_id  uuid PRIMARY KEY,
    branch        text NOT NULL,
    region        text NOT NULL,
    kind          text NOT NULL,
    note          text NOT NULL,
    waybill       text,
    staff         text,
    by            text NOT NULL,
    at            timestamptz NOT NULL
);
CREATE INDEX violations_at ON logistics.violations (at, violation_id);
CREATE INDEX violations_branch ON logistics.violations (branch, at, violation_id);
