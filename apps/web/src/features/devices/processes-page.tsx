import { getRouteApi } from '@tanstack/react-router';
import { RotateCw, SearchX } from 'lucide-react';
import { useMemo, useState } from 'react';
import { useDocumentTitle } from '../../app/use-document-title';
import { Button } from '../../ui/button';
import { Card } from '../../ui/card';
import { DataTable } from '../../ui/data-table';
import type { Column } from '../../ui/data-table';
import { EmptyState } from '../../ui/empty-state';
import { ListToolbar, SearchInput } from '../../ui/list-toolbar';
import { PageHeader } from '../../ui/page-header';
import { Time } from '../../ui/time';
import { Truncate } from '../../ui/truncate';
import { useDevice, useDeviceProcesses } from './api';
import type { ProcessInfo, ProcessServerSort } from './api';
import { formatBytes, formatPercent, formatRate } from './device-bits';
import { useDeviceLiveUpdates } from './live';
import { AskingTheDevice, BackToDevice, DeviceSubtitle, LiveRequestError } from './live-request';

const route = getRouteApi('/_app/partners/$partnerId/devices/$deviceId/processes');

export const PROCESS_SORTS = ['cpu', 'memory', 'read', 'write', 'name', 'pid', 'user'] as const;
export type ProcessSort = (typeof PROCESS_SORTS)[number];
export interface ProcessesSearch {
  sort?: ProcessSort;
  order?: 'asc' | 'desc';
}

/** Numbers biggest first, words A→Z; `order` only when it differs from that. */
const NATURAL: Record<ProcessSort, 'asc' | 'desc'> = {
  cpu: 'desc',
  memory: 'desc',
  read: 'desc',
  write: 'desc',
  name: 'asc',
  pid: 'asc',
  user: 'asc',
};

export function validateProcessesSearch(search: Record<string, unknown>): ProcessesSearch {
  const out: ProcessesSearch = {};
  if (typeof search.sort === 'string' && (PROCESS_SORTS as readonly string[]).includes(search.sort)) {
    out.sort = search.sort as ProcessSort;
  }
  const sort = out.sort ?? 'cpu';
  if ((search.order === 'asc' || search.order === 'desc') && search.order !== NATURAL[sort]) out.order = search.order;
  return out;
}

/** What the agent sorts by before it cuts the list to its limit. */
const SERVER_SORT: Record<ProcessSort, ProcessServerSort> = {
  cpu: 'cpu',
  memory: 'memory',
  read: 'io',
  write: 'io',
  name: 'name',
  pid: 'cpu',
  user: 'cpu',
};

type TableSort = ProcessSort | `-${ProcessSort}`;

function compare(a: ProcessInfo, b: ProcessInfo, sort: ProcessSort): number {
  switch (sort) {
    case 'cpu':
      return a.cpu_percent - b.cpu_percent;
    case 'memory':
      return a.memory_bytes - b.memory_bytes;
    case 'read':
      return (a.io_read_bytes_per_sec ?? -1) - (b.io_read_bytes_per_sec ?? -1);
    case 'write':
      return (a.io_write_bytes_per_sec ?? -1) - (b.io_write_bytes_per_sec ?? -1);
    case 'name':
      return a.name.localeCompare(b.name);
    case 'pid':
      return a.pid - b.pid;
    case 'user':
      return (a.user ?? '').localeCompare(b.user ?? '');
  }
}

export function ProcessesPage() {
  const { partnerId, deviceId } = route.useParams();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const sort: ProcessSort = search.sort ?? 'cpu';
  const order = search.order ?? NATURAL[sort];
  const device = useDevice(partnerId, deviceId);
  const processes = useDeviceProcesses(partnerId, deviceId, SERVER_SORT[sort]);
  const [filter, setFilter] = useState('');
  useDeviceLiveUpdates(partnerId);
  useDocumentTitle('Processes', device.data?.hostname);

  const rows = useMemo(() => {
    const items = processes.data?.items ?? [];
    const needle = filter.trim().toLowerCase();
    const matching = needle
      ? items.filter(
          (p) =>
            p.name.toLowerCase().includes(needle) ||
            (p.command ?? '').toLowerCase().includes(needle) ||
            (p.user ?? '').toLowerCase().includes(needle) ||
            String(p.pid) === needle,
        )
      : items;
    const sign = order === 'asc' ? 1 : -1;
    return [...matching].sort((a, b) => sign * compare(a, b, sort) || a.pid - b.pid);
  }, [processes.data, filter, sort, order]);

  function setSort(next: TableSort) {
    const field = (next.startsWith('-') ? next.slice(1) : next) as ProcessSort;
    const nextOrder = next.startsWith('-') ? 'desc' : 'asc';
    void navigate({ search: validateProcessesSearch({ sort: field, order: nextOrder }), replace: true });
  }

  const tableSort: TableSort = order === 'desc' ? `-${sort}` : sort;
  const nextSort = (current: TableSort, field: ProcessSort): TableSort => {
    const natural: TableSort = NATURAL[field] === 'desc' ? `-${field}` : field;
    if (current !== natural) return natural;
    return NATURAL[field] === 'desc' ? field : `-${field}`;
  };

  const num = 'text-right tabular-nums';
  const columns: Column<ProcessInfo, ProcessSort>[] = [
    {
      id: 'name',
      header: 'Name',
      sortField: 'name',
      className: 'w-44',
      skeletonClassName: 'w-24',
      cell: (p) => <Truncate text={p.name} className="font-medium" />,
    },
    {
      id: 'pid',
      header: 'PID',
      sortField: 'pid',
      className: `w-20 ${num}`,
      skeletonClassName: 'ml-auto w-10',
      cell: (p) => p.pid,
    },
    {
      id: 'user',
      header: 'User',
      sortField: 'user',
      className: 'w-28',
      skeletonClassName: 'w-14',
      cell: (p) => (p.user ? <Truncate text={p.user} /> : <span className="text-muted-foreground">—</span>),
    },
    {
      id: 'cpu',
      header: 'CPU %',
      sortField: 'cpu',
      className: `w-24 ${num}`,
      skeletonClassName: 'ml-auto w-10',
      cell: (p) => formatPercent(p.cpu_percent),
    },
    {
      id: 'memory',
      header: 'Memory',
      sortField: 'memory',
      className: `w-32 whitespace-nowrap ${num}`,
      skeletonClassName: 'ml-auto w-12',
      cell: (p) => (
        <span title={`${formatPercent(p.memory_percent)} of memory`}>
          {formatBytes(p.memory_bytes)}
          <span className="ml-1 text-xs text-muted-foreground">{formatPercent(p.memory_percent)}</span>
        </span>
      ),
    },
    {
      id: 'read',
      header: 'Read/s',
      sortField: 'read',
      className: `hidden w-24 lg:table-cell ${num}`,
      skeletonClassName: 'ml-auto w-10',
      cell: (p) => formatRate(p.io_read_bytes_per_sec),
    },
    {
      id: 'write',
      header: 'Write/s',
      sortField: 'write',
      className: `hidden w-24 lg:table-cell ${num}`,
      skeletonClassName: 'ml-auto w-10',
      cell: (p) => formatRate(p.io_write_bytes_per_sec),
    },
    {
      id: 'command',
      header: 'Command',
      className: 'hidden font-mono text-xs text-muted-foreground md:table-cell',
      skeletonClassName: 'w-64',
      cell: (p) => (p.command ? <Truncate text={p.command} /> : '—'),
    },
  ];

  const back = <BackToDevice partnerId={partnerId} deviceId={deviceId} hostname={device.data?.hostname} />;
  const data = processes.data;

  return (
    <div className="grid gap-5">
      <PageHeader
        title="Processes"
        description={<DeviceSubtitle partnerId={partnerId} device={device} />}
        actions={
          <>
            <Button onClick={() => void processes.refetch()} loading={processes.isFetching} disabled={processes.isFetching}>
              {processes.isFetching ? null : <RotateCw aria-hidden="true" />}
              Refresh
            </Button>
            {back}
          </>
        }
      />
      {processes.isError && !processes.isFetching ? (
        <LiveRequestError
          error={processes.error}
          device={device.data}
          onRetry={() => void processes.refetch()}
          retrying={processes.isFetching}
          back={back}
        />
      ) : !data ? (
        <AskingTheDevice what="its running processes" />
      ) : (
        <Card>
          <ListToolbar
            actions={
              <p className="text-xs text-muted-foreground" role="status">
                {processes.isFetching ? (
                  'Asking the device…'
                ) : (
                  <>
                    {data.total > data.items.length
                      ? `Top ${data.items.length.toLocaleString()} of ${data.total.toLocaleString()} processes`
                      : `${data.total.toLocaleString()} processes`}{' '}
                    · sampled <Time value={data.sampled_at} mode="relative" /> over {data.sampled_ms.toLocaleString()} ms
                  </>
                )}
              </p>
            }
          >
            <SearchInput
              label="Filter processes by name, command, user or PID"
              placeholder="Filter name, command, user, PID"
              className="w-72"
              value={filter}
              onChange={setFilter}
            />
          </ListToolbar>
          <DataTable
            label="Processes"
            noun={['process', 'processes']}
            columns={columns}
            rows={rows}
            rowKey={(p) => String(p.pid)}
            sort={tableSort}
            nextSort={nextSort}
            onSortChange={setSort}
            status="success"
            error={null}
            onRetry={() => void processes.refetch()}
            total={rows.length}
            hasNextPage={false}
            isFetchingNextPage={false}
            onLoadMore={() => undefined}
            isRefreshing={processes.isFetching}
            empty={
              <EmptyState
                icon={SearchX}
                title={filter ? `No process matches “${filter}”` : 'The device reported no processes'}
                action={filter ? <Button onClick={() => setFilter('')}>Clear filter</Button> : null}
              />
            }
          />
        </Card>
      )}
    </div>
  );
}
