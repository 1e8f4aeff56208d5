-- A relay running in the writer's own process is woken in memory once the writer commits
-- (shared.outbox.wake). A NOTIFY makes every committing transaction that sent one take a
-- database-wide lock until its commit is flushed, which serialises commits: bench.consume's
-- ordinary path went from about 1,500 to 2,000 events/s without it. So connections of a
-- process that runs a relay say so at startup (kefu.relay_in_process = on) and send none;
-- every other writer (a script, a one-off tool) still wakes the relays with a NOTIFY.
DROP TRIGGER IF EXISTS outbox_notify ON {schema}.outbox;
CREATE TRIGGER outbox_notify AFTER INSERT ON {schema}.outbox
  FOR EACH STATEMENT
  WHEN (coalesce(current_setting('kefu.relay_in_process', true), '') <> 'on')
  EXECUTE FUNCTION {schema}.outbox_notify();
