-- CloudRMM foundation: tenancy (TEN1-TEN3), users and sessions.
-- Runs as the owner account. The runtime login role is a member of the group
-- role cloudrmm_runtime, which the migrator creates before the first migration.

create or replace function set_updated_at() returns trigger
language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end $$;

-- The tenant of the current transaction, set only by withTenant() through
-- set_config(..., true); null (no rows visible) when it is not set.
create or replace function app_tenant_id() returns uuid
language sql stable as $$
  select nullif(current_setting('app.tenant_id', true), '')::uuid
$$;

-- Platform-level work (login, listing partners) runs through withPlatform(),
-- which sets app.platform transaction-locally. Only the few platform tables
-- below honour it; partner data never does.
create or replace function app_is_platform() returns boolean
language sql stable as $$
  select coalesce(current_setting('app.platform', true), '') = 'on'
$$;

create type partner_status as enum ('active', 'suspended');

create table partners (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  status partner_status not null default 'active',
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);
create unique index uq_partners_slug on partners (slug);
create index idx_partners_name on partners (lower(name), id);
create trigger trg_partners_updated_at before update on partners
  for each row execute function set_updated_at();

create table organizations (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references partners (id),
  name text not null check (length(name) between 1 and 200),
  description text not null default '' check (length(description) <= 2000),
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  constraint uq_organizations_tenant_id_id unique (tenant_id, id)
);
create unique index uq_organizations_tenant_id_name on organizations (tenant_id, lower(name)) where deleted_at is null;
create index idx_organizations_tenant_id_name on organizations (tenant_id, lower(name), id);
create index idx_organizations_tenant_id_created_at on organizations (tenant_id, created_at, id);
create trigger trg_organizations_updated_at before update on organizations
  for each row execute function set_updated_at();

create table sites (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  organization_id uuid not null,
  name text not null check (length(name) between 1 and 200),
  description text not null default '' check (length(description) <= 2000),
  timezone text not null default 'UTC',
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  -- a site always belongs to an organization of the same partner
  constraint fk_sites_organization foreign key (tenant_id, organization_id) references organizations (tenant_id, id)
);
create unique index uq_sites_organization_id_name on sites (organization_id, lower(name)) where deleted_at is null;
create index idx_sites_tenant_id_organization_id_name on sites (tenant_id, organization_id, lower(name), id);
create index idx_sites_tenant_id_organization_id_created_at on sites (tenant_id, organization_id, created_at, id);
create trigger trg_sites_updated_at before update on sites
  for each row execute function set_updated_at();

create type user_status as enum ('invited', 'active', 'suspended');

-- A user is either platform staff (tenant_id null) or belongs to one partner.
create table users (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid references partners (id),
  email text not null check (email ~ '^[^\s@]+@[^\s@]+$'),
  name text not null default '' check (length(name) <= 200),
  password_hash text,
  status user_status not null default 'active',
  is_platform_admin boolean not null default false,
  last_seen_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  constraint ck_users_platform_admin_has_no_tenant check (not is_platform_admin or tenant_id is null)
);
create unique index uq_users_email on users (lower(email));
create index idx_users_tenant_id on users (tenant_id);
create trigger trg_users_updated_at before update on users
  for each row execute function set_updated_at();

create table sessions (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid references partners (id),
  user_id uuid not null references users (id) on delete cascade,
  token_hash bytea not null,
  ip text,
  user_agent text,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  revoked_reason text
);
create unique index uq_sessions_token_hash on sessions (token_hash);
create index idx_sessions_user_id on sessions (user_id);
create index idx_sessions_expires_at on sessions (expires_at);

-- Failed-login counters, shared by every api process (cluster mode).
create table auth_throttle (
  key text primary key,
  failures integer not null default 0,
  window_started_at timestamptz not null default now(),
  locked_until timestamptz
);

-- Row-level security: forced, so even the owner is filtered.
alter table partners enable row level security;
alter table partners force row level security;
create policy partners_isolation on partners
  using (id = app_tenant_id() or app_is_platform())
  with check (id = app_tenant_id() or app_is_platform());

alter table organizations enable row level security;
alter table organizations force row level security;
create policy organizations_isolation on organizations
  using (tenant_id = app_tenant_id())
  with check (tenant_id = app_tenant_id());

alter table sites enable row level security;
alter table sites force row level security;
create policy sites_isolation on sites
  using (tenant_id = app_tenant_id())
  with check (tenant_id = app_tenant_id());

alter table users enable row level security;
alter table users force row level security;
create policy users_isolation on users
  using (tenant_id = app_tenant_id() or app_is_platform())
  with check (tenant_id = app_tenant_id() or app_is_platform());

alter table sessions enable row level security;
alter table sessions force row level security;
create policy sessions_isolation on sessions
  using (tenant_id = app_tenant_id() or app_is_platform())
  with check (tenant_id = app_tenant_id() or app_is_platform());

alter table auth_throttle enable row level security;
alter table auth_throttle force row level security;
create policy auth_throttle_platform on auth_throttle
  using (app_is_platform())
  with check (app_is_platform());

grant usage on schema public to cloudrmm_runtime;
grant select, insert, update on partners, organizations, sites, users to cloudrmm_runtime;
grant select, insert, update, delete on sessions, auth_throttle to cloudrmm_runtime;
