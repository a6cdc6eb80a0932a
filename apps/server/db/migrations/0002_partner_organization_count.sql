-- Partners list their organization count. Platform staff list partners outside
-- any tenant context, where RLS hides organizations, so the count is kept on
-- the partner row by a trigger that runs inside the tenant's own transaction.

alter table partners add column organization_count integer not null default 0;

create or replace function refresh_partner_organization_count() returns trigger
language plpgsql as $$
declare
  partner uuid := coalesce(new.tenant_id, old.tenant_id);
begin
  update partners
     set organization_count = (select count(*) from organizations o where o.tenant_id = partner and o.deleted_at is null)
   where id = partner;
  return null;
end $$;

create trigger trg_organizations_partner_count
  after insert or delete or update of deleted_at on organizations
  for each row execute function refresh_partner_organization_count();

update partners p
   set organization_count = (select count(*) from organizations o where o.tenant_id = p.id and o.deleted_at is null);
