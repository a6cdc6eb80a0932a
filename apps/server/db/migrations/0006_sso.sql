-- Single sign-on through OpenID Connect, one identity provider per partner (IAM7).

-- The partner's identity provider. The client secret is encrypted with the
-- master key, bound to 'sso:<partner id>' (security.md 34); it is never read
-- back through the API.
create table sso_settings (
  tenant_id uuid primary key references partners (id),
  issuer_url text not null default '' check (length(issuer_url) <= 500),
  client_id text not null default '' check (length(client_id) <= 500),
  client_secret_encrypted text,
  -- The role a user provisioned at first sign-in gets over the whole partner.
  default_role_id uuid references roles (id),
  enabled boolean not null default false,
  -- Password sign-in is refused for the partner's users (platform staff are never partner users).
  require_sso boolean not null default false,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint ck_sso_settings_required_needs_enabled check (not require_sso or enabled)
);
create trigger trg_sso_settings_updated_at before update on sso_settings
  for each row execute function set_updated_at();

-- The email domains whose people the partner's identity provider signs in. A
-- domain belongs to one partner at most, so an email leads to one identity
-- provider. Sign-in asks "which partner claims this domain?" before any tenant
-- is known, so that one lookup is readable in platform context; the settings
-- above are not.
create table sso_domains (
  domain text primary key check (domain ~ '^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$'),
  tenant_id uuid not null references partners (id),
  created_at timestamptz not null default now()
);
create index idx_sso_domains_tenant_id on sso_domains (tenant_id);

alter table sso_settings enable row level security;
alter table sso_settings force row level security;
create policy sso_settings_isolation on sso_settings
  using (tenant_id = app_tenant_id())
  with check (tenant_id = app_tenant_id());

alter table sso_domains enable row level security;
alter table sso_domains force row level security;
create policy sso_domains_isolation on sso_domains
  using (tenant_id = app_tenant_id() or app_is_platform())
  with check (tenant_id = app_tenant_id());

grant select, insert, update on sso_settings to cloudrmm_runtime;
grant select, insert, delete on sso_domains to cloudrmm_runtime;

-- A security setting: the Owner holds it ("Administrator: everything except
-- security settings").
insert into permissions (name, module, description, scope) values
  ('sso.manage', 'sso', 'Configure single sign-on (OpenID Connect) and whether it is required', 'partner');
insert into role_permissions (role_id, permission)
select id, 'sso.manage' from roles where key = 'owner';
