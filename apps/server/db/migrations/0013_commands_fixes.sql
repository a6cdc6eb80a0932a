-- The command signing key is platform-wide (AGT18): like every table, behind
-- forced row-level security, readable and writable only in platform context.
alter table command_signing_keys enable row level security;
alter table command_signing_keys force row level security;
create policy command_signing_keys_platform on command_signing_keys
  using (app_is_platform()) with check (app_is_platform());
