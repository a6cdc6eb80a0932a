-- Two-factor sign-in with TOTP, recovery codes and trusted browsers (IAM2);
-- the pending step of a session and the partner's 2FA policy (IAM3;
-- security.md 10-12, 34).

-- A partner can require two-factor sign-in of all its users.
alter table partners add column require_2fa boolean not null default false;

-- A session signed in with the password alone waits for its next step: the
-- second factor, or enrolling one when the partner requires it. Until then the
-- guard lets it reach only that step. second_factor_at: when it was passed.
alter table sessions
  add column pending_step text check (pending_step in ('second_factor', 'enrolment')),
  add column second_factor_at timestamptz;

-- One authenticator per user. Seeds are encrypted with the master key, bound
-- to 'totp:<user id>'. A new seed waits in pending_secret until a first code
-- confirms it, so replacing a phone never leaves the account without 2FA.
create table user_totp (
  user_id uuid primary key references users (id) on delete cascade,
  tenant_id uuid references partners (id),
  secret_encrypted text,
  pending_secret_encrypted text,
  enabled_at timestamptz,
  -- The time step of the last accepted code: only a later step is accepted (no reuse).
  last_used_step bigint,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint ck_user_totp_enabled check ((secret_encrypted is null) = (enabled_at is null))
);
create index idx_user_totp_tenant_id on user_totp (tenant_id);
create trigger trg_user_totp_updated_at before update on user_totp
  for each row execute function set_updated_at();

-- Ten one-time codes for a lost authenticator; only their sha256 is kept (the
-- codes carry 80 random bits, so a fast hash is enough).
create table recovery_codes (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid references partners (id),
  user_id uuid not null references users (id) on delete cascade,
  code_hash bytea not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create unique index uq_recovery_codes_user_id_code_hash on recovery_codes (user_id, code_hash);

-- "Trust this browser for 30 days": the browser holds a random token in its
-- own cookie, the database its sha256.
create table trusted_devices (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid references partners (id),
  user_id uuid not null references users (id) on delete cascade,
  token_hash bytea not null,
  user_agent text not null default '',
  ip text,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  expires_at timestamptz not null,
  revoked_at timestamptz,
  revoked_reason text
);
create unique index uq_trusted_devices_token_hash on trusted_devices (token_hash);
create index idx_trusted_devices_user_id on trusted_devices (user_id);

-- A new password ends the browsers trusted under the old one, whichever code
-- path changes it.
create or replace function revoke_trusted_devices_on_password_change() returns trigger
language plpgsql as $$
begin
  update trusted_devices set revoked_at = now(), revoked_reason = 'password changed'
   where user_id = new.id and revoked_at is null;
  return new;
end $$;
create trigger trg_users_password_revokes_trusted_devices after update of password_hash on users
  for each row when (old.password_hash is distinct from new.password_hash)
  execute function revoke_trusted_devices_on_password_change();

alter table user_totp enable row level security;
alter table user_totp force row level security;
create policy user_totp_isolation on user_totp
  using (tenant_id = app_tenant_id() or app_is_platform())
  with check (tenant_id = app_tenant_id() or app_is_platform());

alter table recovery_codes enable row level security;
alter table recovery_codes force row level security;
create policy recovery_codes_isolation on recovery_codes
  using (tenant_id = app_tenant_id() or app_is_platform())
  with check (tenant_id = app_tenant_id() or app_is_platform());

alter table trusted_devices enable row level security;
alter table trusted_devices force row level security;
create policy trusted_devices_isolation on trusted_devices
  using (tenant_id = app_tenant_id() or app_is_platform())
  with check (tenant_id = app_tenant_id() or app_is_platform());

grant select, insert, update, delete on user_totp, recovery_codes, trusted_devices to cloudrmm_runtime;

-- The partner's sign-in policy; the Owner holds it ("Administrator: everything
-- except security settings").
insert into permissions (name, module, description, scope) values
  ('security.manage', 'two-factor', 'See and set the partner''s sign-in security policy (require two-factor sign-in)', 'partner');
insert into role_permissions (role_id, permission)
select id, 'security.manage' from roles where key = 'owner';
