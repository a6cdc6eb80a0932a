-- Users and their administration (IAM1, IAM8): one-time links sent by email,
-- an edit version on users, and emails that free up when a user is deleted.

-- An invitation (set a first password, 7 days) or a password reset (1 hour).
-- Only the sha256 of the random token is kept (security.md 34); a link works
-- once: used_at is set when it is followed, revoked_at when a newer link, a
-- suspension or a deletion replaces it.
create table user_tokens (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid references partners (id),
  user_id uuid not null references users (id) on delete cascade,
  purpose text not null check (purpose in ('invitation', 'password_reset')),
  token_hash bytea not null,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz
);
create unique index uq_user_tokens_token_hash on user_tokens (token_hash);
create index idx_user_tokens_user_id_purpose on user_tokens (user_id, purpose);
create index idx_user_tokens_expires_at on user_tokens (expires_at);

alter table user_tokens enable row level security;
alter table user_tokens force row level security;
create policy user_tokens_isolation on user_tokens
  using (tenant_id = app_tenant_id() or app_is_platform())
  with check (tenant_id = app_tenant_id() or app_is_platform());

grant select, insert, update, delete on user_tokens to cloudrmm_runtime;

-- Profile edits carry the version they read (api.md "Concurrency").
alter table users add column version integer not null default 1;

-- A deleted user's email can be invited again.
drop index uq_users_email;
create unique index uq_users_email on users (lower(email)) where deleted_at is null;
