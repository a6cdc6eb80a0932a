-- Personal API keys (IAM6; security.md 6, 34, 36). A user makes a key for
-- themselves; it carries a subset of their permissions at one scope, and at
-- every request it is narrowed again to what its owner holds at that moment.
-- The key is shown once: only the sha256 of the whole key and its public id
-- are kept.

create table api_keys (
  id uuid primary key default gen_random_uuid(),
  -- The owner's partner (row-level security); null for platform staff.
  tenant_id uuid references partners (id),
  user_id uuid not null references users (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  -- The public id in crmm_<prefix>_<secret>: how a key is found and shown.
  prefix text not null check (prefix ~ '^[a-z0-9]{8}$'),
  secret_hash bytea not null check (length(secret_hash) = 32),
  permissions text[] not null check (cardinality(permissions) between 1 and 200),
  -- Where the key works: the platform (staff only), a partner, one
  -- organization or one site; partner_id is the partner of the last three.
  scope_type assignment_scope not null,
  partner_id uuid references partners (id),
  organization_id uuid,
  site_id uuid references sites (id),
  -- null: the key never expires (the dashboard says so).
  expires_at timestamptz,
  last_used_at timestamptz,
  last_used_ip text,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  revoked_by uuid references users (id) on delete set null,
  constraint ck_api_keys_scope check (
    (scope_type = 'platform' and tenant_id is null and partner_id is null and organization_id is null and site_id is null) or
    (scope_type = 'partner' and partner_id is not null and organization_id is null and site_id is null) or
    (scope_type = 'organization' and partner_id is not null and organization_id is not null and site_id is null) or
    (scope_type = 'site' and partner_id is not null and organization_id is not null and site_id is not null)
  ),
  -- A partner user's key stays inside the user's own partner.
  constraint ck_api_keys_partner_keys_stay_home check (tenant_id is null or partner_id = tenant_id),
  constraint fk_api_keys_organization foreign key (partner_id, organization_id) references organizations (tenant_id, id)
);
create unique index uq_api_keys_prefix on api_keys (prefix);
create index idx_api_keys_user_id_created_at on api_keys (user_id, created_at desc, id desc);
create index idx_api_keys_tenant_id_created_at on api_keys (tenant_id, created_at desc, id desc);

alter table api_keys enable row level security;
alter table api_keys force row level security;
-- Sign-in by key looks the key up in platform context, before any tenant is known.
create policy api_keys_isolation on api_keys
  using (tenant_id = app_tenant_id() or app_is_platform())
  with check (tenant_id = app_tenant_id() or (tenant_id is null and app_is_platform()));

-- Revocation is a column: the rows stay for the audit trail.
grant select, insert, update on api_keys to cloudrmm_runtime;

insert into permissions (name, module, description, scope) values
  ('api_keys.view', 'api-keys', 'See the API keys of the partner''s users', 'partner'),
  ('api_keys.manage', 'api-keys', 'Revoke any API key of the partner''s users', 'partner');
insert into role_permissions (role_id, permission)
select r.id, p.name from roles r join permissions p on p.name in ('api_keys.view', 'api_keys.manage')
 where r.key in ('owner', 'administrator')
    or (r.key = 'readonly' and p.name = 'api_keys.view');
