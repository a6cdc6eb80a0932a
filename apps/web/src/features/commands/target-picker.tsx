import { useQueries } from '@tanstack/react-query';
import { useId } from 'react';
import { isApiError } from '../../api/client';
import { flattenPages } from '../../api/list';
import { Select } from '../../ui/select';
import { deviceQueryOptions } from '../devices/api';
import { useDeviceFilters } from '../devices/bulk-api';
import { useOrganizationList } from '../organizations/api';
import { useSiteList } from '../sites/api';
import type { Target, TargetType } from './api';

/*
 * Where a task runs: the devices a dialog was opened for, or an organization,
 * a site, a saved filter of the device list, or every device of the partner.
 */

const ALL = { q: '', sort: 'name', includeDeleted: false } as const;

export interface PickedDevice {
  id: string;
  hostname: string;
}

/** The target being edited: sites carry their organization so the site list can load. */
export interface TargetDraft {
  type: TargetType;
  devices: PickedDevice[];
  organizationId: string;
  siteId: string;
  filterId: string;
}

export function initialTarget(devices: PickedDevice[] | undefined, target?: Target & { organizationId?: string }): TargetDraft {
  if (devices && devices.length > 0) return { type: 'devices', devices, organizationId: '', siteId: '', filterId: '' };
  if (target?.type === 'organizations') {
    return { type: 'organizations', devices: [], organizationId: target.ids[0] ?? '', siteId: '', filterId: '' };
  }
  if (target?.type === 'sites') {
    return { type: 'sites', devices: [], organizationId: target.organizationId ?? '', siteId: target.ids[0] ?? '', filterId: '' };
  }
  if (target?.type === 'filter')
    return { type: 'filter', devices: [], organizationId: '', siteId: '', filterId: target.ids[0] ?? '' };
  return { type: 'organizations', devices: [], organizationId: '', siteId: '', filterId: '' };
}

/** The API's target, or an error to show. */
export function resolveTarget(draft: TargetDraft): { target: Target } | { error: string } {
  switch (draft.type) {
    case 'devices':
      return draft.devices.length > 0
        ? { target: { type: 'devices', ids: draft.devices.map((d) => d.id) } }
        : { error: 'No devices selected.' };
    case 'organizations':
      return draft.organizationId
        ? { target: { type: 'organizations', ids: [draft.organizationId] } }
        : { error: 'Choose an organization.' };
    case 'sites':
      return draft.siteId ? { target: { type: 'sites', ids: [draft.siteId] } } : { error: 'Choose a site.' };
    case 'filter':
      return draft.filterId ? { target: { type: 'filter', ids: [draft.filterId] } } : { error: 'Choose a saved filter.' };
    case 'partner':
      return { target: { type: 'partner', ids: [] } };
  }
}

/** How many hostnames the summary line names. */
const NAMED = 5;

/** "3 devices: web-1, web-2, db-1" for the summary line. */
export function devicesText(devices: PickedDevice[]): string {
  const names = devices.slice(0, NAMED).map((d) => d.hostname);
  const more = devices.length > NAMED ? ` and ${devices.length - NAMED} more` : '';
  return `${devices.length === 1 ? '1 device' : `${devices.length} devices`}: ${names.join(', ')}${more}`;
}

/**
 * Devices known by id only (a saved schedule keeps ids) with their hostnames
 * filled in; only the ones the summary line names are fetched.
 */
export function useDeviceNames(partnerId: string, draft: TargetDraft): TargetDraft {
  const unnamed = draft.devices.slice(0, NAMED).filter((d) => !d.hostname);
  const queries = useQueries({
    queries: unnamed.map((d) => ({ ...deviceQueryOptions(partnerId, d.id), retry: false })),
  });
  if (unnamed.length === 0) return draft;
  const names = new Map<string, string>();
  unnamed.forEach((d, i) => {
    const query = queries[i];
    if (query?.data) names.set(d.id, query.data.hostname);
    else if (isApiError(query?.error) && query.error.status === 404) names.set(d.id, 'a deleted device');
    else if (query?.isError) names.set(d.id, `device ${d.id.slice(0, 8)}`);
    else names.set(d.id, '…');
  });
  return { ...draft, devices: draft.devices.map((d) => (d.hostname ? d : { ...d, hostname: names.get(d.id) ?? '…' })) };
}

export function TargetPicker({
  partnerId,
  value,
  onChange,
  error,
}: {
  partnerId: string;
  value: TargetDraft;
  onChange: (value: TargetDraft) => void;
  error?: string | null;
}) {
  const id = useId();
  const organizations = useOrganizationList(partnerId, ALL);
  const sites = useSiteList(partnerId, value.organizationId, ALL, value.type === 'sites' && Boolean(value.organizationId));
  const filters = useDeviceFilters(partnerId, value.type === 'filter');
  const organizationOptions = flattenPages(organizations.data?.pages).items.filter((o) => !o.deleted_at);
  const siteOptions = flattenPages(sites.data?.pages).items.filter((s) => !s.deleted_at);
  const hasDevices = value.devices.length > 0;

  const options: { type: TargetType; label: string }[] = [
    ...(hasDevices ? [{ type: 'devices' as const, label: devicesText(value.devices) }] : []),
    { type: 'organizations', label: 'Every device of an organization' },
    { type: 'sites', label: 'Every device of a site' },
    { type: 'filter', label: 'The devices of a saved filter' },
    { type: 'partner', label: 'Every device of the partner' },
  ];

  return (
    <fieldset className="grid gap-2" aria-describedby={error ? `${id}-error` : undefined}>
      <legend className="mb-1 text-xs font-medium">Run on</legend>
      {options.map((o) => (
        <div key={o.type} className="grid gap-1.5">
          <label className="flex cursor-pointer items-start gap-2 text-[13px]">
            <input
              type="radio"
              name={`${id}-target`}
              value={o.type}
              checked={value.type === o.type}
              onChange={() => onChange({ ...value, type: o.type })}
              className="mt-0.5 size-4 cursor-pointer accent-primary"
            />
            <span className="min-w-0 break-words">{o.label}</span>
          </label>
          {value.type === o.type && (o.type === 'organizations' || o.type === 'sites') ? (
            <div className="grid gap-2 pl-6 sm:grid-cols-2">
              <Select
                aria-label="Organization"
                value={value.organizationId}
                onChange={(e) => onChange({ ...value, organizationId: e.target.value, siteId: '' })}
              >
                <option value="">Choose an organization…</option>
                {value.organizationId && !organizationOptions.some((org) => org.id === value.organizationId) ? (
                  <option value={value.organizationId}>Current organization</option>
                ) : null}
                {organizationOptions.map((org) => (
                  <option key={org.id} value={org.id}>
                    {org.name}
                  </option>
                ))}
              </Select>
              {o.type === 'sites' ? (
                <Select
                  aria-label="Site"
                  value={value.siteId}
                  disabled={!value.organizationId && !value.siteId}
                  onChange={(e) => onChange({ ...value, siteId: e.target.value })}
                >
                  <option value="">{value.organizationId ? 'Choose a site…' : 'Choose an organization first'}</option>
                  {value.siteId && !siteOptions.some((site) => site.id === value.siteId) ? (
                    <option value={value.siteId}>Current site</option>
                  ) : null}
                  {siteOptions.map((site) => (
                    <option key={site.id} value={site.id}>
                      {site.name}
                    </option>
                  ))}
                </Select>
              ) : null}
            </div>
          ) : null}
          {value.type === o.type && o.type === 'filter' ? (
            <div className="pl-6">
              <Select
                aria-label="Saved filter"
                value={value.filterId}
                onChange={(e) => onChange({ ...value, filterId: e.target.value })}
              >
                <option value="">
                  {filters.data?.length === 0 ? 'No saved filters yet (save one on the device list)' : 'Choose a filter…'}
                </option>
                {(filters.data ?? []).map((f) => (
                  <option key={f.id} value={f.id}>
                    {f.name}
                  </option>
                ))}
              </Select>
            </div>
          ) : null}
        </div>
      ))}
      {error ? (
        <p id={`${id}-error`} className="text-xs text-destructive-text">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
