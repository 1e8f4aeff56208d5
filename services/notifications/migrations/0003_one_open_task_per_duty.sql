-- One open task per duty per case (docs/services/notifications.md, "Duties"): each task names
-- its duty (purpose, record and case, e.g. `complaint_handling:complaint:<id>` or
-- `stage_callback:project:<id>:contract`), a partial unique index keeps at most one of a duty
-- open, and `duty_marks` remembers the newest version of the record that decided each duty, so
-- an event that arrives late (a redelivery overtaken by a newer fact) cannot bring a dead task
-- back.

ALTER TABLE notifications.callbacks ADD COLUMN duty text;

-- Existing tasks: the duty as the rules table now names it where the row says enough; where it
-- does not (the instalment of a payment reminder, the deadline, the service-level step, the
-- alert, a recurring occurrence), each old task is its own duty.
UPDATE notifications.callbacks SET duty = purpose || ':' || entity_kind || ':' || entity_id ||
    CASE
        WHEN schedule_id IS NOT NULL
             OR purpose IN ('payment_reminder', 'deadline_missed', 'sla_task', 'alert')
            THEN ':legacy:' || id
        WHEN purpose = 'receipt_chase' AND dedupe_key LIKE '%:manager' THEN ':manager'
        WHEN stage IS NOT NULL THEN ':' || stage
        ELSE ''
    END;

-- The duplicates the old rules made (a handling task per escalation, a chase per day): the
-- newest stays open, the others are cancelled with their check timers.
UPDATE notifications.callbacks c
   SET status = 'cancelled', version = version + 1, updated_at = now(), closed_at = now()
  FROM (SELECT id, row_number() OVER (PARTITION BY duty ORDER BY created_at DESC, id DESC) AS n
          FROM notifications.callbacks
         WHERE status IN ('scheduled', 'due', 'overdue')) d
 WHERE c.id = d.id AND d.n > 1;
DELETE FROM notifications.timers t
 WHERE t.kind = 'callback.check'
   AND EXISTS (SELECT 1 FROM notifications.callbacks c
                WHERE c.id = t.key AND c.status NOT IN ('scheduled', 'due', 'overdue'));

ALTER TABLE notifications.callbacks ALTER COLUMN duty SET NOT NULL;
CREATE UNIQUE INDEX callbacks_one_open_per_duty ON notifications.callbacks (duty)
    WHERE status IN ('scheduled', 'due', 'overdue');

-- The newest version of a record (complaint, project, receipt …) that created or ended a duty;
-- `duty` is a task's duty, or `purpose:kind:id` when an event ended every case of a purpose.
CREATE TABLE notifications.duty_marks (
    duty        text PRIMARY KEY,
    version     integer NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
