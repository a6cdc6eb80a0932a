import { Package, SearchX } from 'lucide-react';
import { useState } from 'react';
import { Badge } from '../../ui/badge';
import { Button } from '../../ui/button';
import { Card, CardHeader, CardTitle } from '../../ui/card';
import { cursorListProps, DataTable } from '../../ui/data-table';
import type { Column } from '../../ui/data-table';
import { EmptyState } from '../../ui/empty-state';
import { plural } from '../../ui/format';
import { SearchInput } from '../../ui/list-toolbar';
import { Truncate } from '../../ui/truncate';
import { useDeviceSoftware } from './api';
import type { SoftwareItem, SoftwareSort } from './api';
import { formatBytes } from './device-bits';

const SOURCE_LABELS: Record<string, string> = {
  dpkg: 'dpkg',
  rpm: 'RPM',
  apk: 'apk',
  homebrew: 'Homebrew',
  windows: 'Windows',
  macos: 'macOS',
  other: 'Other',
};

function nextSoftwareSort(current: SoftwareSort, field: 'name' | 'source'): SoftwareSort {
  if (field === 'source') return current === 'source' ? 'name' : 'source';
  return current === 'name' ? '-name' : 'name';
}

/** Installed software, searched and paged on the server (a device may have thousands of packages). */
export function DeviceSoftwareSection({ partnerId, deviceId }: { partnerId: string; deviceId: string }) {
  const [q, setQ] = useState('');
  const [sort, setSort] = useState<SoftwareSort>('name');
  const list = useDeviceSoftware(partnerId, deviceId, q, sort);
  const pages = list.data?.pages ?? [];
  const items = pages.flatMap((p) => p.items);
  const total = typeof pages[0]?.total === 'number' ? pages[0].total : null;

  const columns: Column<SoftwareItem, 'name' | 'source'>[] = [
    {
      id: 'name',
      header: 'Name',
      sortField: 'name',
      skeletonClassName: 'w-40',
      cell: (s) => <Truncate text={s.name} className="font-medium" />,
    },
    {
      id: 'version',
      header: 'Version',
      className: 'w-44 font-mono text-xs',
      skeletonClassName: 'w-20',
      cell: (s) => (s.version ? <Truncate text={s.version} /> : <span className="text-muted-foreground">—</span>),
    },
    {
      id: 'publisher',
      header: 'Publisher',
      className: 'hidden w-52 text-muted-foreground lg:table-cell',
      skeletonClassName: 'w-24',
      cell: (s) => (s.publisher ? <Truncate text={s.publisher} /> : '—'),
    },
    {
      id: 'source',
      header: 'Source',
      sortField: 'source',
      className: 'w-28',
      skeletonClassName: 'w-12',
      cell: (s) => <Badge>{SOURCE_LABELS[s.source] ?? s.source}</Badge>,
    },
    {
      id: 'size',
      header: 'Size',
      className: 'hidden w-24 text-right text-muted-foreground tabular-nums md:table-cell',
      skeletonClassName: 'ml-auto w-10',
      cell: (s) => (s.size_bytes ? formatBytes(s.size_bytes) : '—'),
    },
  ];

  return (
    <Card aria-labelledby="software-heading" id="software">
      <CardHeader>
        <CardTitle id="software-heading">
          Software
          {total !== null ? <span className="ml-1.5 font-normal text-muted-foreground">({total.toLocaleString()})</span> : null}
        </CardTitle>
        <SearchInput
          label="Search installed software"
          placeholder="Search name or publisher"
          value={q}
          onChange={setQ}
          className="w-64"
        />
      </CardHeader>
      <DataTable
        label="Installed software"
        noun={['package', 'packages']}
        columns={columns}
        rows={items}
        rowKey={(s) => `${s.source}:${s.name}:${s.version ?? ''}`}
        sort={sort}
        nextSort={nextSoftwareSort}
        onSortChange={setSort}
        {...cursorListProps(list)}
        total={total}
        empty={
          q ? (
            <EmptyState
              icon={SearchX}
              title={`No software matches “${q}”`}
              action={<Button onClick={() => setQ('')}>Clear search</Button>}
            />
          ) : (
            <EmptyState
              icon={Package}
              title="No software reported"
              description="The list fills in when the agent sends its inventory."
            />
          )
        }
      />
      {total !== null && items.length > 0 && total > items.length ? (
        <p className="sr-only">{plural(total, 'package', 'packages')}</p>
      ) : null}
    </Card>
  );
}
