import { Field } from '../../ui/field';
import { Select } from '../../ui/select';
import { useRoleList } from '../roles/api';
import { useOrganizationOptions, useSiteOptions } from './api';
import type { ScopeInput, ScopeType } from './api';

export interface RoleScopeValue {
  roleId: string;
  scopeType: ScopeType;
  organizationId: string;
  siteId: string;
}

export const EMPTY_ROLE_SCOPE: RoleScopeValue = { roleId: '', scopeType: 'partner', organizationId: '', siteId: '' };

/** Checks what the form can check before asking the server; returns field errors. */
export function checkRoleScope(v: RoleScopeValue): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!v.roleId) errors.role_id = 'Choose a role.';
  if (v.scopeType !== 'partner' && !v.organizationId) errors.organization_id = 'Choose an organization.';
  if (v.scopeType === 'site' && !v.siteId) errors.site_id = 'Choose a site.';
  return errors;
}

export function toScopeInput(v: RoleScopeValue): ScopeInput & { role_id: string } {
  if (v.scopeType === 'site')
    return { role_id: v.roleId, scope_type: 'site', organization_id: v.organizationId, site_id: v.siteId };
  if (v.scopeType === 'organization') return { role_id: v.roleId, scope_type: 'organization', organization_id: v.organizationId };
  return { role_id: v.roleId, scope_type: 'partner' };
}

/**
 * A role (from the partner's roles) and where it applies: the whole partner,
 * one organization, or one site of an organization.
 */
export function RoleScopeFields({
  partnerId,
  partnerName,
  idPrefix,
  value,
  onChange,
  errors,
}: {
  partnerId: string;
  partnerName: string | undefined;
  idPrefix: string;
  value: RoleScopeValue;
  onChange: (next: RoleScopeValue) => void;
  errors: Record<string, string | undefined>;
}) {
  const roles = useRoleList(partnerId);
  const organizations = useOrganizationOptions(partnerId, value.scopeType !== 'partner');
  const sites = useSiteOptions(partnerId, value.organizationId || null, value.scopeType === 'site');
  const set = (patch: Partial<RoleScopeValue>) => onChange({ ...value, ...patch });

  return (
    <>
      <Field
        id={`${idPrefix}-role`}
        label="Role"
        hint={(roles.data ?? []).find((r) => r.id === value.roleId)?.description || undefined}
        error={errors.role_id ?? (roles.isError ? 'Could not load the roles.' : undefined)}
      >
        {(control) => (
          <Select {...control} value={value.roleId} onChange={(e) => set({ roleId: e.target.value })} disabled={roles.isPending}>
            <option value="">{roles.isPending ? 'Loading roles…' : 'Choose a role'}</option>
            {(roles.data ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <fieldset className="grid gap-1.5">
        <legend className="mb-1.5 text-[13px] font-medium text-foreground">Where the role applies</legend>
        <div className="flex flex-wrap gap-x-4 gap-y-1.5">
          {(
            [
              ['partner', `All of ${partnerName ?? 'the partner'}`],
              ['organization', 'One organization'],
              ['site', 'One site'],
            ] as const
          ).map(([type, label]) => (
            <label key={type} className="flex cursor-pointer items-center gap-2 text-[13px] text-foreground">
              <input
                type="radio"
                name={`${idPrefix}-scope`}
                value={type}
                checked={value.scopeType === type}
                onChange={() =>
                  set({
                    scopeType: type,
                    ...(type === 'partner' ? { organizationId: '', siteId: '' } : {}),
                    ...(type === 'organization' ? { siteId: '' } : {}),
                  })
                }
                className="size-4 cursor-pointer accent-primary"
              />
              {label}
            </label>
          ))}
        </div>
      </fieldset>
      {value.scopeType !== 'partner' ? (
        <Field id={`${idPrefix}-organization`} label="Organization" error={errors.organization_id}>
          {(control) => (
            <Select
              {...control}
              value={value.organizationId}
              onChange={(e) => set({ organizationId: e.target.value, siteId: '' })}
              disabled={organizations.isPending}
            >
              <option value="">{organizations.isPending ? 'Loading organizations…' : 'Choose an organization'}</option>
              {(organizations.data ?? []).map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </Select>
          )}
        </Field>
      ) : null}
      {value.scopeType === 'site' ? (
        <Field id={`${idPrefix}-site`} label="Site" error={errors.site_id}>
          {(control) => (
            <Select
              {...control}
              value={value.siteId}
              onChange={(e) => set({ siteId: e.target.value })}
              disabled={!value.organizationId || sites.isPending}
            >
              <option value="">
                {!value.organizationId ? 'Choose an organization first' : sites.isPending ? 'Loading sites…' : 'Choose a site'}
              </option>
              {(sites.data ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </Select>
          )}
        </Field>
      ) : null}
    </>
  );
}
