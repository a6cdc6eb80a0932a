-- A schedule firing is idempotent per occurrence (AUT3): its task carries the key
-- `schedule:<schedule id>:<occurrence>`, and a firing retried after a crash finds
-- the task it made. Firings have no creator (created_by is null), and nulls are
-- distinct in uq_command_tasks_idempotency: this index covers them.
create unique index uq_command_tasks_schedule_firing on command_tasks (tenant_id, schedule_id, idempotency_key)
  where created_by is null and schedule_id is not null and idempotency_key is not null;

-- Fan-out approval of a schedule (security.md 28): a schedule whose target holds
-- more devices than the partner's threshold is approved once, by another person
-- than its creator and last editor; its firings then run without waiting. An
-- edit of its action or target, or a new version of its script, needs a new one.
alter table command_schedules
  add column updated_by uuid references users (id) on delete set null,
  add column approval text not null default 'not_required' check (approval in ('not_required', 'pending', 'approved')),
  add column approval_by uuid references users (id) on delete set null,
  add column approval_at timestamptz,
  add column approval_script_version integer;
update command_schedules set updated_by = created_by;

-- A task's counts by status (every task list) read this index alone, however many runs it has.
create index idx_command_runs_task_id_status on command_runs (task_id, status);
drop index idx_command_runs_task_id;
