-- Commands and scripting (AUT1-AUT6, AGT9, AGT18, DEV4, DEV8, DEV9;
-- security.md 26-28): the server's command-signing key, the script library,
-- one task model with a run per device, schedules, custom fields, device tags
-- and saved device filters.

create extension if not exists pg_trgm;

-- The Ed25519 key every command is signed with (AGT18). Platform-wide: agents
-- receive the public key at enrollment. The private key is encrypted with the
-- master key (SecretBox), never stored in clear.
create table command_signing_keys (
  key_id text primary key check (key_id ~ '^[0-9a-f]{16}$'),
  public_key bytea not null,
  private_key_encrypted text not null,
  created_at timestamptz not null default now(),
  retired_at timestamptz
);
create unique index uq_command_signing_keys_current on command_signing_keys ((true)) where retired_at is null;
grant select, insert on command_signing_keys to cloudrmm_runtime;

-- Device tags (DEV4) and saved device-list filters, which commands and schedules can target.
alter table devices add column tags text[] not null default '{}';
create index idx_devices_tags on devices using gin (tags) where deleted_at is null;

create table device_filters (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references partners (id),
  name text not null check (length(name) between 1 and 100),
  -- The device list's query parameters (status, platform, organization_id, site_id, tag, q ...).
  query jsonb not null default '{}',
  created_by uuid references users (id) on delete set null,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);
create unique index uq_device_filters_tenant_id_name on device_filters (tenant_id, lower(name)) where deleted_at is null;
create trigger trg_device_filters_updated_at before update on device_filters
  for each row execute function set_updated_at();

-- The script library (AUT1, AUT2, AUT6). tenant_id null: published by the
-- platform, read-only to every partner, who can copy it.
create table scripts (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid references partners (id),
  name text not null check (length(name) between 1 and 200),
  description text not null default '' check (length(description) <= 4000),
  category text not null default '' check (length(category) <= 100),
  language text not null check (language in ('bash', 'sh', 'python', 'powershell', 'cmd')),
  -- linux, darwin, win32: where the script is meant to run.
  target_os text[] not null default '{}',
  body text not null check (length(body) <= 262144),
  -- [{name, label, type: string|number|boolean|choice|secret, required, default, choices, description}]
  parameters jsonb not null default '[]',
  default_timeout_seconds integer not null default 300 check (default_timeout_seconds between 1 and 86400),
  run_as text not null default 'system' check (run_as in ('system', 'user')),
  copied_from uuid references scripts (id) on delete set null,
  version integer not null default 1,
  created_by uuid references users (id) on delete set null,
  updated_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index idx_scripts_tenant_id_name on scripts (tenant_id, lower(name)) where deleted_at is null;
create trigger trg_scripts_updated_at before update on scripts
  for each row execute function set_updated_at();

-- Every saved version of a script: its edit history.
create table script_versions (
  script_id uuid not null references scripts (id) on delete cascade,
  tenant_id uuid references partners (id),
  version integer not null,
  name text not null,
  description text not null,
  category text not null,
  language text not null,
  target_os text[] not null,
  body text not null,
  parameters jsonb not null,
  default_timeout_seconds integer not null,
  run_as text not null,
  edited_by uuid references users (id) on delete set null,
  edited_at timestamptz not null default now(),
  primary key (script_id, version)
);

-- Per-partner command settings: the fan-out threshold (security.md 28), the
-- kill switch, and how long a queued run waits for an offline device.
create table command_settings (
  tenant_id uuid primary key references partners (id),
  fanout_threshold integer not null default 50 check (fanout_threshold between 1 and 1000000),
  default_expiry_hours integer not null default 24 check (default_expiry_hours between 1 and 720),
  halted boolean not null default false,
  halted_at timestamptz,
  halted_by uuid references users (id) on delete set null,
  halted_reason text not null default '' check (length(halted_reason) <= 500),
  version integer not null default 1,
  updated_at timestamptz not null default now()
);
create trigger trg_command_settings_updated_at before update on command_settings
  for each row execute function set_updated_at();

-- Schedules (AUT3): a cron expression in a time zone and what to run where.
create table command_schedules (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references partners (id),
  name text not null check (length(name) between 1 and 200),
  description text not null default '' check (length(description) <= 2000),
  enabled boolean not null default true,
  cron text not null check (length(cron) between 9 and 200),
  timezone text not null default 'UTC' check (length(timezone) between 1 and 64),
  -- What to run: {kind, script_id?, command?, interpreter?, parameters?, timeout_seconds?, run_as?}.
  -- Secret parameter values are kept encrypted in action_secrets.
  action jsonb not null,
  action_secrets text,
  -- Where: {type: devices|sites|organizations|filter|partner, ids: [...]}.
  target jsonb not null,
  expiry_hours integer check (expiry_hours between 1 and 720),
  next_run_at timestamptz,
  last_run_at timestamptz,
  last_task_id uuid,
  created_by uuid references users (id) on delete set null,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index idx_command_schedules_due on command_schedules (next_run_at) where enabled and deleted_at is null;
create index idx_command_schedules_tenant_id_name on command_schedules (tenant_id, lower(name)) where deleted_at is null;
create trigger trg_command_schedules_updated_at before update on command_schedules
  for each row execute function set_updated_at();

-- One task model (AUT5): what to run, once; and one run per target device.
create type command_kind as enum ('script', 'shell', 'reboot', 'inventory_refresh', 'process_kill');
create type run_status as enum ('queued', 'sent', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'expired');
create type task_approval as enum ('not_required', 'pending', 'approved', 'rejected');

create table command_tasks (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references partners (id),
  kind command_kind not null,
  -- What a person reads in history: the script's name, the command's first line, "Reboot".
  title text not null check (length(title) between 1 and 300),
  script_id uuid references scripts (id) on delete set null,
  script_version integer,
  -- The protocol CommandPayload shared by every run, without per-device args/env.
  payload jsonb not null,
  -- Parameter values as entered, secrets shown as null.
  parameters jsonb not null default '{}',
  -- Where it was aimed: {type, ids} as asked, before resolution to devices.
  target jsonb not null,
  target_count integer not null check (target_count >= 0),
  reason text not null check (reason in ('manual', 'bulk', 'schedule', 'policy')),
  schedule_id uuid references command_schedules (id) on delete set null,
  created_by uuid references users (id) on delete set null,
  created_by_label text not null default '',
  idempotency_key text check (length(idempotency_key) <= 200),
  approval task_approval not null default 'not_required',
  approval_by uuid references users (id) on delete set null,
  approval_at timestamptz,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index idx_command_tasks_tenant_id_created_at on command_tasks (tenant_id, created_at desc, id desc);
create unique index uq_command_tasks_idempotency on command_tasks (tenant_id, created_by, idempotency_key)
  where idempotency_key is not null;
create index idx_command_tasks_pending_approval on command_tasks (tenant_id) where approval = 'pending';

create table command_runs (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references partners (id),
  task_id uuid not null references command_tasks (id) on delete cascade,
  device_id uuid not null references devices (id) on delete cascade,
  organization_id uuid not null,
  site_id uuid not null,
  status run_status not null default 'queued',
  -- The signature of this run's envelope (security.md 26): nonce, expiry, key, hash, signature.
  nonce text not null,
  key_id text not null,
  payload_hash text not null,
  signature text not null,
  expires_at timestamptz not null,
  -- Per-device args and env ({args, env}), encrypted: they may carry secret parameters.
  device_input_encrypted text,
  exit_code integer,
  stdout text not null default '',
  stderr text not null default '',
  stdout_truncated boolean not null default false,
  stderr_truncated boolean not null default false,
  error text,
  -- The last live output chunk stored, so repeats are dropped.
  output_seq integer not null default -1,
  sent_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  cancel_requested_at timestamptz,
  cancel_requested_by uuid references users (id) on delete set null,
  -- The agent acknowledged the result was stored (it may forget it).
  result_acked boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index idx_command_runs_tenant_id_created_at on command_runs (tenant_id, created_at desc, id desc);
create index idx_command_runs_task_id on command_runs (task_id);
create index idx_command_runs_device_id_created_at on command_runs (device_id, created_at desc, id desc);
-- What a connecting agent is owed, and what the watchdog looks at: small, only unfinished runs.
create index idx_command_runs_active on command_runs (device_id) where status in ('queued', 'sent', 'running');
create index idx_command_runs_output on command_runs using gin ((stdout || ' ' || stderr) gin_trgm_ops);
create trigger trg_command_runs_updated_at before update on command_runs
  for each row execute function set_updated_at();

-- Custom fields (DEV9): defined per partner on organizations, sites or devices.
create table custom_field_definitions (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references partners (id),
  entity text not null check (entity in ('organization', 'site', 'device')),
  -- The name scripts use: {{custom.<name>}} and CLOUDRMM_CUSTOM_<NAME>.
  name text not null check (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  label text not null check (length(label) between 1 and 100),
  type text not null check (type in ('text', 'number', 'boolean', 'date', 'choice')),
  choices text[] not null default '{}',
  default_value jsonb,
  description text not null default '' check (length(description) <= 500),
  position integer not null default 0,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);
create unique index uq_custom_field_definitions_name on custom_field_definitions (tenant_id, entity, name) where deleted_at is null;
create trigger trg_custom_field_definitions_updated_at before update on custom_field_definitions
  for each row execute function set_updated_at();

create table custom_field_values (
  tenant_id uuid not null references partners (id),
  definition_id uuid not null references custom_field_definitions (id) on delete cascade,
  entity_id uuid not null,
  value jsonb not null,
  updated_by uuid references users (id) on delete set null,
  updated_at timestamptz not null default now(),
  primary key (definition_id, entity_id)
);
create index idx_custom_field_values_entity_id on custom_field_values (tenant_id, entity_id);

-- Isolation: every tenant table, forced. Platform scripts (tenant_id null) are readable by all.
alter table scripts enable row level security;
alter table scripts force row level security;
create policy scripts_isolation on scripts
  using (tenant_id = app_tenant_id() or tenant_id is null) with check (tenant_id = app_tenant_id());
alter table script_versions enable row level security;
alter table script_versions force row level security;
create policy script_versions_isolation on script_versions
  using (tenant_id = app_tenant_id() or tenant_id is null) with check (tenant_id = app_tenant_id());

do $$
declare t text;
begin
  foreach t in array array['device_filters', 'command_settings', 'command_tasks', 'command_runs',
                           'custom_field_definitions', 'custom_field_values'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format('create policy %I on %I using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id())',
                   t || '_isolation', t);
  end loop;
end $$;

-- Schedules are found by the worker across partners (due ones only), then run inside their partner.
alter table command_schedules enable row level security;
alter table command_schedules force row level security;
create policy command_schedules_isolation on command_schedules
  using (tenant_id = app_tenant_id() or app_is_platform()) with check (tenant_id = app_tenant_id() or app_is_platform());

grant select, insert, update on scripts, script_versions, device_filters, command_settings, command_schedules,
  command_tasks, custom_field_definitions to cloudrmm_runtime;
grant select, insert, update, delete on command_runs, custom_field_values to cloudrmm_runtime;
grant delete on command_tasks to cloudrmm_runtime;

insert into permissions (name, module, description, scope) values
  ('scripts.view', 'scripts', 'See the script library', 'partner'),
  ('scripts.manage', 'scripts', 'Create, edit, copy and delete scripts', 'partner'),
  ('commands.view', 'commands', 'See command history, results and output', 'partner'),
  ('commands.run', 'commands', 'Run scripts and commands on devices, cancel runs, manage schedules', 'partner'),
  ('commands.approve', 'commands', 'Approve or reject runs on more devices than the fan-out threshold', 'partner'),
  ('commands.manage', 'commands', 'Set the fan-out threshold and run expiry; engage and release the kill switch', 'partner'),
  ('custom_fields.manage', 'custom-fields', 'Define custom fields on organizations, sites and devices', 'partner');
insert into role_permissions (role_id, permission)
select r.id, p.name from roles r join permissions p
  on p.name in ('scripts.view', 'scripts.manage', 'commands.view', 'commands.run', 'commands.approve', 'commands.manage',
                'custom_fields.manage')
 where r.key in ('owner', 'administrator')
    or (r.key = 'technician' and p.name in ('scripts.view', 'scripts.manage', 'commands.view', 'commands.run'))
    or (r.key = 'readonly' and p.name in ('scripts.view', 'commands.view'));
