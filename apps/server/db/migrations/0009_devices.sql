-- Devices and their agents (AGT1, AGT4-AGT8, GW1, GW6, DEV1-DEV3).
-- A device is an endpoint under a site; its agent is the credential it
-- connects with (1:1). Inventory is kept as the last snapshot the agent sent
-- (jsonb) plus the columns the device list filters and searches on.

create table devices (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references partners (id),
  organization_id uuid not null,
  site_id uuid not null references sites (id),
  hostname text not null check (length(hostname) between 1 and 255),
  -- linux, darwin, win32 ... (what the agent runs on), and what a person calls it.
  platform text not null check (length(platform) between 1 and 32),
  os_name text not null default '' check (length(os_name) <= 255),
  os_version text not null default '' check (length(os_version) <= 64),
  arch text not null default '' check (length(arch) <= 32),
  agent_version text not null default '' check (length(agent_version) <= 64),
  protocol_version integer not null default 0,
  -- Presence: kept by the gateway on connect and disconnect; last_seen_at is
  -- flushed in batches from memory, never committed per heartbeat.
  online boolean not null default false,
  connected_at timestamptz,
  disconnected_at timestamptz,
  last_seen_at timestamptz,
  -- The gateway process holding the socket, so a restarted gateway can mark its old devices offline.
  gateway_id text,
  remote_ip text,
  -- The last inventory snapshot (protocol Inventory) and its content hash.
  inventory jsonb,
  inventory_hash text,
  inventory_at timestamptz,
  -- The last status (protocol Status): uptime, usage, users, temperatures.
  status jsonb,
  status_at timestamptz,
  -- Extracted for filters and the global search (DEV1).
  ip_addresses text[] not null default '{}',
  mac_addresses text[] not null default '{}',
  logged_in_users text[] not null default '{}',
  search_text text not null default '',
  -- Per-device overrides of the partner's agent settings (null: the partner's default).
  heartbeat_seconds integer check (heartbeat_seconds between 5 and 3600),
  inventory_minutes integer check (inventory_minutes between 1 and 1440),
  enrolled_at timestamptz not null default now(),
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  constraint fk_devices_organization foreign key (tenant_id, organization_id) references organizations (tenant_id, id)
);
create index idx_devices_tenant_id_hostname on devices (tenant_id, lower(hostname), id) where deleted_at is null;
create index idx_devices_tenant_id_site_id on devices (tenant_id, site_id) where deleted_at is null;
create index idx_devices_tenant_id_organization_id on devices (tenant_id, organization_id) where deleted_at is null;
create index idx_devices_gateway_id on devices (gateway_id) where online;
create trigger trg_devices_updated_at before update on devices
  for each row execute function set_updated_at();

-- The agent's identity: the id and the sha256 of its random secret.
create table agents (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references partners (id),
  device_id uuid not null references devices (id),
  secret_hash bytea not null check (length(secret_hash) = 32),
  enrolled_via text not null check (enrolled_via in ('site_code', 'token')),
  enrollment_token_id uuid,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  revoked_by uuid references users (id) on delete set null,
  constraint uq_agents_device_id unique (device_id)
);

-- One enrollment code per site for its public install link (AGT2); rotatable, can be disabled.
create table site_enrollment_codes (
  site_id uuid primary key references sites (id),
  tenant_id uuid not null references partners (id),
  organization_id uuid not null,
  code text not null check (code ~ '^[A-Za-z0-9]{20,64}$'),
  enabled boolean not null default true,
  rotated_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint fk_site_enrollment_codes_organization foreign key (tenant_id, organization_id) references organizations (tenant_id, id)
);
create unique index uq_site_enrollment_codes_code on site_enrollment_codes (code);
create trigger trg_site_enrollment_codes_updated_at before update on site_enrollment_codes
  for each row execute function set_updated_at();

-- One-time enrollment tokens (security.md 23): site-bound, expiring, bounded uses.
-- Only the sha256 of the token is kept; `prefix` identifies it in lists.
create table enrollment_tokens (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references partners (id),
  organization_id uuid not null,
  site_id uuid not null references sites (id),
  name text not null default '' check (length(name) <= 100),
  prefix text not null check (prefix ~ '^[a-z0-9]{8}$'),
  token_hash bytea not null check (length(token_hash) = 32),
  max_uses integer not null check (max_uses between 1 and 100000),
  use_count integer not null default 0 check (use_count >= 0),
  expires_at timestamptz not null,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  revoked_by uuid references users (id) on delete set null,
  constraint ck_enrollment_tokens_uses check (use_count <= max_uses),
  constraint fk_enrollment_tokens_organization foreign key (tenant_id, organization_id) references organizations (tenant_id, id)
);
create unique index uq_enrollment_tokens_token_hash on enrollment_tokens (token_hash);
create index idx_enrollment_tokens_site_id_created_at on enrollment_tokens (tenant_id, site_id, created_at desc, id desc);

-- The partner's agent defaults (GW6); a partner without a row gets the built-in ones.
create table agent_settings (
  tenant_id uuid primary key references partners (id),
  heartbeat_seconds integer not null default 30 check (heartbeat_seconds between 5 and 3600),
  inventory_minutes integer not null default 15 check (inventory_minutes between 1 and 1440),
  version integer not null default 1,
  updated_at timestamptz not null default now()
);
create trigger trg_agent_settings_updated_at before update on agent_settings
  for each row execute function set_updated_at();

-- Installed software, one row a package, replaced whenever the inventory changes (AGT6).
create table device_software (
  tenant_id uuid not null references partners (id),
  device_id uuid not null references devices (id) on delete cascade,
  name text not null,
  version text,
  publisher text,
  source text not null,
  installed_at text,
  size_bytes bigint
);
create index idx_device_software_device_id_name on device_software (device_id, lower(name));
create index idx_device_software_tenant_id_name on device_software (tenant_id, lower(name));

alter table devices enable row level security;
alter table devices force row level security;
create policy devices_isolation on devices
  using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id());

alter table device_software enable row level security;
alter table device_software force row level security;
create policy device_software_isolation on device_software
  using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id());

alter table agent_settings enable row level security;
alter table agent_settings force row level security;
create policy agent_settings_isolation on agent_settings
  using (tenant_id = app_tenant_id()) with check (tenant_id = app_tenant_id());

-- An agent, a site code or a token is presented before any tenant is known:
-- the gateway finds its tenant in platform context (by the credential's id,
-- the code or the token's hash, all unguessable), then works inside the tenant.
alter table agents enable row level security;
alter table agents force row level security;
create policy agents_isolation on agents
  using (tenant_id = app_tenant_id() or app_is_platform()) with check (tenant_id = app_tenant_id());

alter table site_enrollment_codes enable row level security;
alter table site_enrollment_codes force row level security;
create policy site_enrollment_codes_isolation on site_enrollment_codes
  using (tenant_id = app_tenant_id() or app_is_platform()) with check (tenant_id = app_tenant_id());

alter table enrollment_tokens enable row level security;
alter table enrollment_tokens force row level security;
create policy enrollment_tokens_isolation on enrollment_tokens
  using (tenant_id = app_tenant_id() or app_is_platform()) with check (tenant_id = app_tenant_id());

grant select, insert, update on devices, agents, site_enrollment_codes, enrollment_tokens, agent_settings to cloudrmm_runtime;
grant select, insert, delete on device_software to cloudrmm_runtime;

insert into permissions (name, module, description, scope) values
  ('devices.view', 'devices', 'See devices, their inventory, processes and disk usage', 'partner'),
  ('devices.manage', 'devices', 'Change device and agent settings; revoke and delete devices', 'partner'),
  ('devices.enroll', 'enrollment', 'See install links and site codes; make enrollment tokens', 'partner');
insert into role_permissions (role_id, permission)
select r.id, p.name from roles r join permissions p on p.name in ('devices.view', 'devices.manage', 'devices.enroll')
 where r.key in ('owner', 'administrator', 'technician')
    or (r.key in ('readonly', 'client_contact') and p.name = 'devices.view');
