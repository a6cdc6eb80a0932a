import { Link, getRouteApi } from '@tanstack/react-router';
import { Bookmark, Download, Monitor, SearchX, Settings, X } from 'lucide-react';
import { useState } from 'react';
import type { ReactNode } from 'react';
import { flattenPages } from '../../api/list';
import { useDocumentTitle } from '../../app/use-document-title';
import { Button } from '../../ui/button';
import { Card } from '../../ui/card';
import { cursorListProps, DataTable } from '../../ui/data-table';
import type { Column } from '../../ui/data-table';
import { EmptyState } from '../../ui/empty-state';
import { CheckboxToggle, FilterSelect, ListToolbar, SearchInput } from '../../ui/list-toolbar';
import { PageHeader } from '../../ui/page-header';
import { Skeleton } from '../../ui/skeleton';
import { Time } from '../../ui/time';
import { Truncate } from '../../ui/truncate';
import { Badge } from '../../ui/badge';
import { useCan } from '../auth/session-context';
import { useOrganizationList } from '../organizations/api';
import { usePartnerSummary } from '../partners/use-partner-name';
import { useSiteList } from '../sites/api';
import { AgentSettingsDialog } from './agent-settings';
import { BulkActionsBar, SaveFilterDialog } from './bulk-actions';
import {
  DEFAULT_DEVICE_SORT,
  devicesExportHref,
  nextDeviceSort,
  useDeviceList,
  useDevicesSummary,
  validateDevicesSearch,
} from './api';
import type { DeviceSort, DeviceSortField, DeviceSummary, DevicesSearch } from './api';
import { DeviceStatusBadge, PLATFORM_LABELS, PercentCell, platformLabel } from './device-bits';
import { useDeviceLiveUpdates } from './live';

const route = getRouteApi('/_app/partners/$partnerId/devices');

const ALL_ORGANIZATIONS = { q: '', sort: 'name', includeDeleted: false } as const;

const DEVICE_STATUS_OPTIONS = [
  { value: 'online', label: 'Online' },
  { value: 'offline', label: 'Offline' },
];

/** "10.0.0.5 +2", with every address on hover. */
function FirstOf({ values, empty = '—' }: { values: string[]; empty?: string }) {
  if (values.length === 0) return <span className="text-muted-foreground">{empty}</span>;
  return (
    <span title={values.join('\n')} className="flex min-w-0 items-center gap-1">
      <span className="truncate">{values[0]}</span>
      {values.length > 1 ? <span className="shrink-0 text-xs text-muted-foreground">+{values.length - 1}</span> : null}
    </span>
  );
}

export function DevicesPage() {
  const { partnerId } = route.useParams();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const list = useDeviceList(partnerId, search);
  const { items, total } = flattenPages(list.data?.pages);
  const partner = usePartnerSummary(partnerId);
  const summary = useDevicesSummary(partnerId);
  const organizations = useOrganizationList(partnerId, ALL_ORGANIZATIONS);
  const sites = useSiteList(partnerId, search.organization ?? '', ALL_ORGANIZATIONS, Boolean(search.organization));
  const canManage = useCan('devices.manage');
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [saveFilterOpen, setSaveFilterOpen] = useState(false);
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  const canRun = useCan('commands.run');
  const selectable = canRun || canManage;
  useDeviceLiveUpdates(partnerId);
  useDocumentTitle('Devices', partner.name);

  function setSearch(patch: Partial<DevicesSearch>) {
    // A selection made under other filters may hold rows no longer shown.
    if (Object.keys(patch).some((k) => k !== 'sort')) setSelected(new Set());
    void navigate({ search: (prev) => validateDevicesSearch({ ...prev, ...patch }), replace: true });
  }

  const organizationOptions = flattenPages(organizations.data?.pages).items.filter((o) => !o.deleted_at);
  const siteOptions = flattenPages(sites.data?.pages).items.filter((s) => !s.deleted_at);
  // A filter from a link may name an organization beyond the first page of the picker.
  const organizationName =
    organizationOptions.find((o) => o.id === search.organization)?.name ??
    items.find((d) => d.organization_id === search.organization)?.organization_name;
  const siteName = siteOptions.find((s) => s.id === search.site)?.name ?? items.find((d) => d.site_id === search.site)?.site_name;
  const platforms = [
    ...new Set([...(summary.data?.by_platform.map((p) => p.platform) ?? []), ...(search.platform ? [search.platform] : [])]),
  ];

  const filtered = Boolean(
    search.q || search.organization || search.site || search.status || search.platform || search.low_disk || search.tag,
  );
  const selectedDevices = items.filter((d) => selected.has(d.id)).map((d) => ({ id: d.id, hostname: d.hostname }));
  const sort: DeviceSort = search.sort ?? DEFAULT_DEVICE_SORT;

  const columns: Column<DeviceSummary, DeviceSortField>[] = [
    {
      id: 'status',
      header: 'Status',
      sortField: 'status',
      className: 'w-28',
      skeletonClassName: 'w-16',
      cell: (d) => <DeviceStatusBadge device={d} />,
    },
    {
      id: 'hostname',
      header: 'Hostname',
      sortField: 'hostname',
      skeletonClassName: 'w-32',
      cell: (d) => (
        <span className="grid min-w-0">
          <Link
            id={`device-${d.id}-name`}
            to="/partners/$partnerId/devices/$deviceId"
            params={{ partnerId, deviceId: d.id }}
            className="block min-w-0 font-medium text-foreground hover:text-link hover:underline"
          >
            <Truncate text={d.hostname} />
          </Link>
          {d.tags && d.tags.length > 0 ? (
            <span className="mt-0.5 flex min-w-0 flex-wrap gap-1">
              {d.tags.slice(0, 3).map((t) => (
                <button
                  key={t}
                  type="button"
                  onClick={() => setSearch({ tag: t })}
                  aria-label={`Show devices tagged ${t}`}
                  className="cursor-pointer rounded-full focus-visible:outline-2 focus-visible:outline-ring"
                >
                  <Badge className="max-w-28 truncate">{t}</Badge>
                </button>
              ))}
              {d.tags.length > 3 ? <span className="text-xs text-muted-foreground">+{d.tags.length - 3}</span> : null}
            </span>
          ) : null}
        </span>
      ),
    },
    {
      id: 'where',
      header: 'Organization › Site',
      sortField: 'organization_name',
      className: 'w-44',
      skeletonClassName: 'w-28',
      cell: (d) => (
        <span className="grid min-w-0">
          <Truncate text={d.organization_name} />
          <Truncate text={d.site_name} className="text-xs text-muted-foreground" />
        </span>
      ),
    },
    {
      id: 'os',
      header: 'OS',
      sortField: 'os_name',
      className: 'w-40',
      skeletonClassName: 'w-24',
      cell: (d) => (
        <span className="grid min-w-0">
          <Truncate text={d.os_name || platformLabel(d.platform)} />
          {d.os_version ? <Truncate text={d.os_version} className="text-xs text-muted-foreground" /> : null}
        </span>
      ),
    },
    {
      id: 'ip',
      header: 'IP addresses',
      className: 'hidden w-32 font-mono text-xs lg:table-cell',
      skeletonClassName: 'w-20',
      cell: (d) => <FirstOf values={d.ip_addresses} />,
    },
    {
      id: 'user',
      header: 'User',
      className: 'hidden w-28 xl:table-cell',
      skeletonClassName: 'w-16',
      cell: (d) => <FirstOf values={d.logged_in_users} empty="Nobody" />,
    },
    {
      id: 'cpu',
      header: 'CPU',
      className: 'hidden w-16 md:table-cell',
      skeletonClassName: 'w-8',
      cell: (d) => <PercentCell value={d.cpu_percent} label={`CPU of ${d.hostname}`} />,
    },
    {
      id: 'memory',
      header: 'Mem',
      className: 'hidden w-16 md:table-cell',
      skeletonClassName: 'w-8',
      cell: (d) => <PercentCell value={d.memory_used_percent} label={`Memory of ${d.hostname}`} />,
    },
    {
      id: 'disk',
      header: 'Disk',
      className: 'hidden w-16 md:table-cell',
      skeletonClassName: 'w-8',
      cell: (d) => <PercentCell value={d.disk_used_percent} label={`Fullest disk of ${d.hostname}`} />,
    },
    {
      id: 'agent',
      header: 'Agent',
      className: 'hidden w-20 text-muted-foreground 2xl:table-cell',
      skeletonClassName: 'w-10',
      cell: (d) => (d.agent_version ? <Truncate text={d.agent_version} /> : '—'),
    },
    {
      id: 'last-seen',
      header: 'Last seen',
      sortField: 'last_seen_at',
      className: 'w-28 text-muted-foreground',
      skeletonClassName: 'w-16',
      cell: (d) =>
        d.online ? (
          <span className="text-foreground">Now</span>
        ) : d.last_seen_at ? (
          <Time value={d.last_seen_at} mode="relative" />
        ) : (
          'Never'
        ),
    },
  ];

  const filterText = [
    search.q ? `matching “${search.q}”` : null,
    search.organization ? `in ${organizationName ?? 'the chosen organization'}` : null,
    search.site ? `at ${siteName ?? 'the chosen site'}` : null,
    search.status ? search.status : null,
    search.platform ? `running ${platformLabel(search.platform)}` : null,
    search.low_disk ? 'low on disk space (a disk 90 % full or more)' : null,
    search.tag ? `tagged “${search.tag}”` : null,
  ]
    .filter(Boolean)
    .join(', ');

  let description: ReactNode;
  if (partner.name) {
    description = (
      <>
        Computers with the agent installed, across every organization of{' '}
        <span className="font-medium text-foreground">{partner.name}</span>.
      </>
    );
  } else if (partner.query.isPending) {
    description = <Skeleton className="h-4 w-64" />;
  } else {
    description = 'Computers with the agent installed.';
  }

  return (
    <div className="grid gap-5">
      <PageHeader
        title="Devices"
        description={description}
        actions={
          <Button onClick={() => setSettingsOpen(true)}>
            <Settings aria-hidden="true" />
            Agent settings
          </Button>
        }
      />
      <Card>
        <ListToolbar
          actions={
            <>
              {filtered ? (
                <Button size="sm" variant="subtle" onClick={() => setSaveFilterOpen(true)}>
                  <Bookmark aria-hidden="true" />
                  Save filter
                </Button>
              ) : null}
              {filtered ? (
                <Button asChild size="sm" variant="subtle">
                  <Link
                    to="/partners/$partnerId/devices"
                    params={{ partnerId }}
                    search={search.sort ? { sort: search.sort } : {}}
                  >
                    <X aria-hidden="true" />
                    Clear filters
                  </Link>
                </Button>
              ) : null}
              {items.length > 0 ? (
                <Button asChild size="sm">
                  <a href={devicesExportHref(partnerId, search)} download>
                    <Download aria-hidden="true" />
                    Export CSV
                  </a>
                </Button>
              ) : null}
            </>
          }
        >
          {/* Labels are read out; the options say what each filter is ("All sites"). */}
          <SearchInput
            label="Search devices by hostname, IP, MAC, OS, agent version or user"
            placeholder="Hostname, IP, MAC, OS, user…"
            className="w-64"
            value={search.q ?? ''}
            onChange={(q) => setSearch({ q })}
          />
          <FilterSelect
            label="Organization"
            className="w-44"
            value={search.organization}
            onChange={(organization) => setSearch({ organization, site: undefined })}
            anyLabel="All organizations"
            options={organizationOptions.map((o) => ({ value: o.id, label: o.name }))}
            chosenLabel={organizationName ?? 'Chosen organization'}
          />
          <FilterSelect
            label="Site"
            className="w-36"
            value={search.site}
            disabled={!search.organization && !search.site}
            title={!search.organization && !search.site ? 'Choose an organization first' : undefined}
            onChange={(site) => setSearch({ site })}
            anyLabel="All sites"
            options={siteOptions.map((site) => ({ value: site.id, label: site.name }))}
            chosenLabel={siteName ?? 'Chosen site'}
          />
          <FilterSelect
            label="Status"
            className="w-32"
            value={search.status}
            onChange={(status) => setSearch({ status: status as DevicesSearch['status'] })}
            anyLabel="Any status"
            options={DEVICE_STATUS_OPTIONS}
            chosenLabel="Chosen status"
          />
          <FilterSelect
            label="OS"
            className="w-28"
            value={search.platform}
            onChange={(platform) => setSearch({ platform })}
            anyLabel="Any OS"
            options={(platforms.length > 0 ? platforms : Object.keys(PLATFORM_LABELS).slice(0, 3)).map((p) => ({
              value: p,
              label: platformLabel(p),
            }))}
            chosenLabel={platformLabel(search.platform ?? '')}
          />
          <CheckboxToggle
            label="Low disk"
            checked={search.low_disk === 1}
            onChange={(checked) => setSearch({ low_disk: checked ? 1 : undefined })}
          />
          {search.tag ? (
            <Badge tone="accent">
              Tag: {search.tag}
              <button
                type="button"
                aria-label={`Remove the tag filter ${search.tag}`}
                onClick={() => setSearch({ tag: undefined })}
                className="-mr-1 cursor-pointer rounded-full p-0.5 hover:bg-link/20"
              >
                <X aria-hidden="true" />
              </button>
            </Badge>
          ) : null}
        </ListToolbar>
        <BulkActionsBar partnerId={partnerId} devices={selectedDevices} onClear={() => setSelected(new Set())} />
        <DataTable
          label="Devices"
          noun={['device', 'devices']}
          columns={columns}
          rows={items}
          rowKey={(d) => d.id}
          rowClassName={(d) => (d.online ? undefined : 'text-muted-foreground')}
          sort={sort}
          nextSort={nextDeviceSort}
          onSortChange={(next) => setSearch({ sort: next })}
          {...cursorListProps(list)}
          total={total}
          selection={selectable ? { selected, onChange: setSelected, rowLabel: (d: DeviceSummary) => d.hostname } : undefined}
          empty={
            filtered ? (
              <EmptyState
                icon={SearchX}
                title="No devices match these filters"
                description={`No device ${filterText}.`}
                action={
                  <Button asChild>
                    <Link to="/partners/$partnerId/devices" params={{ partnerId }}>
                      Clear filters
                    </Link>
                  </Button>
                }
              />
            ) : (
              <EmptyState
                icon={Monitor}
                title="No devices yet — copy the install link from a site"
                description="Open an organization, then one of its sites: its “Install agents” section has a link and a command to run on each computer."
                action={
                  <Button asChild variant="primary">
                    <Link to="/partners/$partnerId/organizations" params={{ partnerId }}>
                      Choose a site
                    </Link>
                  </Button>
                }
              />
            )
          }
        />
      </Card>
      <SaveFilterDialog partnerId={partnerId} search={search} open={saveFilterOpen} onOpenChange={setSaveFilterOpen} />
      <AgentSettingsDialog partnerId={partnerId} open={settingsOpen} onOpenChange={setSettingsOpen} canManage={canManage} />
    </div>
  );
}
