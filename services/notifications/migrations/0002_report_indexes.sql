-- The service-level report (GET /v1/reports/service-levels) reads callbacks created or
-- completed in a period and messages sent or failed in one: indexed, so the report stays a
-- few index scans however long the history grows.
CREATE INDEX callbacks_by_created ON notifications.callbacks (created_at);
CREATE INDEX callbacks_completed ON notifications.callbacks (closed_at)
    WHERE status IN ('done', 'given_up');
CREATE INDEX messages_sent ON notifications.messages (sent_at) WHERE status = 'sent';
-- A failed message is final: nothing updates it after the attempt that failed it.
CREATE INDEX messages_failed ON notifications.messages (updated_at) WHERE status = 'failed';
