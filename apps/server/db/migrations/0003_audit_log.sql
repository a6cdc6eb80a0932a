-- Audit log (IAM9, security.md 39-40): one hash chain per partner (and one for
-- platform events). The chain is computed by a trigger, so no code path can
-- write an unchained row; the runtime role may insert and read, never change.

create type audit_actor_type as enum ('user', 'api_key', 'agent', 'system');

create table audit_events (
  id bigint generated always as identity primary key,
  tenant_id uuid references partners (id),
  seq bigint not null,
  occurred_at timestamptz not null default clock_timestamp(),
  actor_type audit_actor_type not null,
  actor_id uuid,
  actor_label text not null default '',
  api_key_id uuid,
  action text not null check (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
  target_type text,
  target_id text,
  before jsonb,
  after jsonb,
  ip text,
  request_id text,
  prev_hash bytea not null,
  hash bytea not null
);
create unique index uq_audit_events_chain_seq on audit_events (coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid), seq);
create index idx_audit_events_tenant_id_occurred_at on audit_events (tenant_id, occurred_at desc, id desc);
create index idx_audit_events_tenant_id_action on audit_events (tenant_id, action, occurred_at desc);

-- The digest of one event: its content and the digest before it.
create or replace function audit_event_hash(e audit_events) returns bytea
language sql immutable as $$
  select sha256(
    e.prev_hash ||
    convert_to(
      concat_ws(chr(31),
        coalesce(e.tenant_id::text, ''), e.seq::text, to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        e.actor_type::text, coalesce(e.actor_id::text, ''), e.actor_label, coalesce(e.api_key_id::text, ''),
        e.action, coalesce(e.target_type, ''), coalesce(e.target_id, ''),
        coalesce(e.before::text, ''), coalesce(e.after::text, ''), coalesce(e.ip, ''), coalesce(e.request_id, '')
      ),
      'UTF8'
    )
  )
$$;

create or replace function audit_events_chain() returns trigger
language plpgsql as $$
declare
  last record;
begin
  -- One writer per chain at a time; held until the surrounding action commits.
  perform pg_advisory_xact_lock(hashtextextended('cloudrmm.audit:' || coalesce(new.tenant_id::text, 'platform'), 0));
  select seq, hash into last from audit_events
   where tenant_id is not distinct from new.tenant_id
   order by seq desc limit 1;
  new.seq := coalesce(last.seq, 0) + 1;
  new.prev_hash := coalesce(last.hash, '\x'::bytea);
  new.occurred_at := clock_timestamp();
  new.hash := audit_event_hash(new);
  return new;
end $$;

create trigger trg_audit_events_chain before insert on audit_events
  for each row execute function audit_events_chain();

alter table audit_events enable row level security;
alter table audit_events force row level security;
create policy audit_events_isolation on audit_events
  using (tenant_id = app_tenant_id() or (tenant_id is null and app_is_platform()))
  with check (tenant_id = app_tenant_id() or (tenant_id is null and app_is_platform()));

grant select, insert on audit_events to cloudrmm_runtime;
