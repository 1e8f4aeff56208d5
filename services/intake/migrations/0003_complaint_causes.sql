-- Why a complaint arose (调查出现投诉原因): a value of the cause list and what was found, recorded
-- by those handling it; a later finding corrects an earlier one (the latest counts, every one
-- is kept). The weekly report counts the week's complaints by their latest cause.
CREATE TABLE intake.complaint_causes (
    id            bigserial PRIMARY KEY,
    complaint_id  uuid NOT NULL REFERENCES intake.complaints (id),
    cause         text NOT NULL CHECK (cause IN ('workmanship', 'materials', 'design', 'schedule',
                      'staff_attitude', 'billing', 'logistics', 'aftersales', 'other')),
    detail        text NOT NULL DEFAULT '',
    by            text NOT NULL,
    at            timestamptz NOT NULL,
    version       int NOT NULL
);
CREATE INDEX complaint_causes_complaint ON intake.complaint_causes (complaint_id, id);
