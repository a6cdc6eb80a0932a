-- Roles and scoped role assignments (IAM4, IAM5).
-- The permission catalog mirrors the modules' declarations (a test keeps them
-- equal); system roles have no partner and are visible to every partner.

create type permission_scope as enum ('platform', 'partner');
create type assignment_scope as enum ('platform', 'partner', 'organization', 'site');

create table permissions (
  name text primary key,
  module text not null,
  description text not null,
  scope permission_scope not null
);

insert into permissions (name, module, description, scope) values
  ('partners.view', 'tenancy', 'See partners (platform staff: all; partner users: their own)', 'partner'),
  ('partners.manage', 'tenancy', 'Create, rename, delete and restore partners', 'platform'),
  ('organizations.view', 'tenancy', 'See organizations', 'partner'),
  ('organizations.manage', 'tenancy', 'Create, edit, delete and restore organizations', 'partner'),
  ('sites.view', 'tenancy', 'See sites', 'partner'),
  ('sites.manage', 'tenancy', 'Create, edit, delete and restore sites', 'partner'),
  ('audit.view', 'audit', 'Read, export and verify the partner''s audit log', 'partner'),
  ('audit.view_platform', 'audit', 'Read, export and verify the platform''s audit log', 'platform'),
  ('roles.view', 'access', 'See roles and the permission catalog', 'partner'),
  ('roles.manage', 'access', 'Create, edit and delete custom roles', 'partner'),
  ('users.view', 'access', 'See users and their role assignments', 'partner'),
  ('users.manage', 'access', 'Invite, suspend and delete users; assign roles', 'partner'),
  ('users.manage_platform', 'access', 'Manage platform staff and their platform-wide roles', 'platform');

create table roles (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid references partners (id),
  key text,
  name text not null check (length(name) between 1 and 100),
  description text not null default '' check (length(description) <= 500),
  is_system boolean not null default false,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  constraint ck_roles_system_has_no_tenant check (is_system = (tenant_id is null))
);
create unique index uq_roles_key on roles (key) where key is not null;
create unique index uq_roles_tenant_id_name on roles (coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name)) where deleted_at is null;
create trigger trg_roles_updated_at before update on roles for each row execute function set_updated_at();

create table role_permissions (
  role_id uuid not null references roles (id) on delete cascade,
  permission text not null references permissions (name),
  tenant_id uuid references partners (id),
  primary key (role_id, permission)
);

-- A user holds a role at one scope: the whole platform, a partner, one
-- organization, or one site (site assignments carry their organization, so a
-- check never needs another query).
create table role_assignments (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid references partners (id),
  user_id uuid not null references users (id) on delete cascade,
  role_id uuid not null references roles (id),
  scope_type assignment_scope not null,
  organization_id uuid,
  site_id uuid,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  constraint ck_role_assignments_shape check (
    (scope_type = 'platform' and tenant_id is null and organization_id is null and site_id is null) or
    (scope_type = 'partner' and tenant_id is not null and organization_id is null and site_id is null) or
    (scope_type = 'organization' and tenant_id is not null and organization_id is not null and site_id is null) or
    (scope_type = 'site' and tenant_id is not null and organization_id is not null and site_id is not null)
  ),
  constraint fk_role_assignments_organization foreign key (tenant_id, organization_id) references organizations (tenant_id, id),
  constraint fk_role_assignments_site foreign key (site_id) references sites (id)
);
create unique index uq_role_assignments_grant on role_assignments (
  user_id, role_id, scope_type,
  coalesce(organization_id, '00000000-0000-0000-0000-000000000000'::uuid),
  coalesce(site_id, '00000000-0000-0000-0000-000000000000'::uuid)
);
create index idx_role_assignments_tenant_id_user_id on role_assignments (tenant_id, user_id);

-- System roles.
insert into roles (key, name, description, is_system) values
  ('owner', 'Owner', 'Everything, including users, roles and security settings', true),
  ('administrator', 'Administrator', 'Everything except security settings', true),
  ('technician', 'Technician', 'Works on organizations, sites and devices; cannot manage users or roles', true),
  ('readonly', 'ReadOnly', 'Sees everything, changes nothing', true),
  ('client_contact', 'Client contact', 'A customer''s contact: read-only, own organization only', true);

insert into role_permissions (role_id, permission)
select r.id, p.name from roles r cross join permissions p
 where (r.key = 'owner')
    or (r.key = 'administrator' and p.name not in ('users.manage_platform'))
    or (r.key = 'technician' and p.name in ('partners.view', 'organizations.view', 'organizations.manage', 'sites.view', 'sites.manage', 'roles.view', 'users.view'))
    or (r.key = 'readonly' and p.name like '%.view')
    or (r.key = 'client_contact' and p.name in ('organizations.view', 'sites.view'));

-- Existing users keep what they had: platform staff own the platform, partner users own their partner.
insert into role_assignments (tenant_id, user_id, role_id, scope_type)
select u.tenant_id, u.id, (select id from roles where key = 'owner'),
       case when u.tenant_id is null then 'platform'::assignment_scope else 'partner'::assignment_scope end
  from users u where u.deleted_at is null;

alter table permissions enable row level security;
alter table permissions force row level security;
create policy permissions_readable on permissions using (true);

alter table roles enable row level security;
alter table roles force row level security;
create policy roles_isolation on roles
  using (tenant_id = app_tenant_id() or tenant_id is null or app_is_platform())
  with check (tenant_id = app_tenant_id());

alter table role_permissions enable row level security;
alter table role_permissions force row level security;
create policy role_permissions_isolation on role_permissions
  using (tenant_id = app_tenant_id() or tenant_id is null or app_is_platform())
  with check (tenant_id = app_tenant_id());

alter table role_assignments enable row level security;
alter table role_assignments force row level security;
create policy role_assignments_isolation on role_assignments
  using (tenant_id = app_tenant_id() or app_is_platform())
  with check (tenant_id = app_tenant_id() or (tenant_id is null and app_is_platform()));

grant select on permissions to cloudrmm_runtime;
grant select, insert, update on roles to cloudrmm_runtime;
grant select, insert, delete on role_permissions, role_assignments to cloudrmm_runtime;
