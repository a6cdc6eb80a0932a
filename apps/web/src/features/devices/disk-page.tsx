import { getRouteApi } from '@tanstack/react-router';
import { CornerLeftUp, Folder, FolderOpen, RotateCw } from 'lucide-react';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Card, CardHeader, CardTitle } from '../../ui/card';
import { Input } from '../../ui/input';
import { PageHeader } from '../../ui/page-header';
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from '../../ui/table';
import { Time } from '../../ui/time';
import { Truncate } from '../../ui/truncate';
import { useDevice, useDeviceDiskUsage } from './api';
import type { DiskUsage } from './api';
import { UsageBar, formatBytes, formatPercent } from './device-bits';
import { useDeviceLiveUpdates } from './live';
import { AskingTheDevice, BackToDevice, DeviceSubtitle, LiveRequestError } from './live-request';

const route = getRouteApi('/_app/partners/$partnerId/devices/$deviceId/disk');

export interface DiskSearch {
  path?: string;
}

export function validateDiskSearch(search: Record<string, unknown>): DiskSearch {
  const path = search.path;
  if (typeof path === 'string' && path.trim() !== '' && path.length <= 4096) return { path };
  return {};
}

/** The folder above `path` ("/var/log" → "/var", "C:\\Users" → "C:\\"), or null at a root. */
export function parentPath(path: string): string | null {
  const windows = /^[A-Za-z]:[\\/]/.test(path) || path.includes('\\');
  const sep = windows ? '\\' : '/';
  const trimmed = path.length > 1 ? path.replace(/[\\/]+$/, '') : path;
  if (trimmed === '/' || /^[A-Za-z]:$/.test(trimmed)) return null;
  const index = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  if (index < 0) return null;
  if (index === 0) return '/';
  const parent = trimmed.slice(0, index);
  return /^[A-Za-z]:$/.test(parent) ? `${parent}${sep}` : parent;
}

export function DiskPage() {
  const { partnerId, deviceId } = route.useParams();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const device = useDevice(partnerId, deviceId);
  const usage = useDeviceDiskUsage(partnerId, deviceId, search.path);
  // Without a path in the address the agent scans its system drive (or /) and says which.
  const path = search.path ?? usage.data?.path ?? (device.data?.platform === 'win32' ? 'C:\\' : '/');
  useDeviceLiveUpdates(partnerId);
  useDocumentTitle('Disk usage', device.data?.hostname);

  function go(next: string) {
    void navigate({ search: validateDiskSearch({ path: next }) });
  }

  const back = <BackToDevice partnerId={partnerId} deviceId={deviceId} hostname={device.data?.hostname} />;

  return (
    <div className="grid gap-5">
      <PageHeader
        title="Disk usage"
        description={<DeviceSubtitle partnerId={partnerId} device={device} />}
        actions={
          <>
            <Button onClick={() => void usage.refetch()} loading={usage.isFetching} disabled={usage.isFetching}>
              {usage.isFetching ? null : <RotateCw aria-hidden="true" />}
              Refresh
            </Button>
            {back}
          </>
        }
      />
      {usage.isError && !usage.isFetching ? (
        <LiveRequestError
          error={usage.error}
          device={device.data}
          onRetry={() => void usage.refetch()}
          retrying={usage.isFetching}
          back={back}
        />
      ) : !usage.data ? (
        <AskingTheDevice what={`its partitions and the largest folders under ${path}`} />
      ) : (
        <>
          <Partitions usage={usage.data} onOpen={go} />
          <Folders key={path} usage={usage.data} path={path} fetching={usage.isFetching} onOpen={go} />
        </>
      )}
    </div>
  );
}

function Partitions({ usage, onOpen }: { usage: DiskUsage; onOpen: (path: string) => void }) {
  return (
    <Card aria-labelledby="partitions-heading">
      <CardHeader>
        <CardTitle id="partitions-heading">Partitions</CardTitle>
        <span className="text-xs text-muted-foreground">
          Read <Time value={usage.sampled_at} mode="relative" />
        </span>
      </CardHeader>
      <Table className="table-fixed">
        <TableCaption>Partitions</TableCaption>
        <TableHeader>
          <tr>
            <TableHead scope="col" className="w-48">
              Mounted at
            </TableHead>
            <TableHead scope="col" className="hidden w-48 md:table-cell">
              Device
            </TableHead>
            <TableHead scope="col" className="w-20">
              Type
            </TableHead>
            <TableHead scope="col">Used</TableHead>
            <TableHead scope="col" className="w-28 text-right">
              Free
            </TableHead>
            <TableHead scope="col" className="w-28 text-right">
              Size
            </TableHead>
          </tr>
        </TableHeader>
        <TableBody>
          {usage.partitions.map((p) => (
            <TableRow key={`${p.mount}-${p.device}`}>
              <TableCell>
                <button
                  type="button"
                  onClick={() => onOpen(p.mount)}
                  title={`Show the largest folders under ${p.mount}`}
                  className="block max-w-full cursor-pointer truncate font-mono text-xs text-link hover:underline focus-visible:outline-2 focus-visible:outline-ring"
                >
                  {p.mount}
                </button>
              </TableCell>
              <TableCell className="hidden font-mono text-xs text-muted-foreground md:table-cell">
                <Truncate text={p.device} />
              </TableCell>
              <TableCell className="text-muted-foreground">{p.fs_type}</TableCell>
              <TableCell>
                <div className="flex items-center gap-3">
                  <UsageBar percent={p.used_percent} label={`${p.mount} used`} className="h-2 max-w-64 flex-1" />
                  <span className={p.used_percent >= 90 ? 'font-medium text-destructive-text tabular-nums' : 'tabular-nums'}>
                    {formatPercent(p.used_percent)}
                  </span>
                  <span className="hidden text-xs text-muted-foreground lg:inline">{formatBytes(p.used_bytes)} used</span>
                </div>
              </TableCell>
              <TableCell className="text-right tabular-nums">{formatBytes(p.available_bytes)}</TableCell>
              <TableCell className="text-right text-muted-foreground tabular-nums">{formatBytes(p.size_bytes)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Card>
  );
}

function Folders({
  usage,
  path,
  fetching,
  onOpen,
}: {
  usage: DiskUsage;
  path: string;
  fetching: boolean;
  onOpen: (path: string) => void;
}) {
  const id = useId();
  const [draft, setDraft] = useState(path);
  const parent = parentPath(path);
  const folders = [...usage.folders].sort((a, b) => b.size_bytes - a.size_bytes);
  const largest = folders[0]?.size_bytes ?? 0;

  function submit(event: FormEvent) {
    event.preventDefault();
    const next = draft.trim();
    if (next) onOpen(next);
  }

  return (
    <Card aria-labelledby="folders-heading">
      <CardHeader className="flex-wrap">
        <CardTitle id="folders-heading">Largest folders</CardTitle>
        <form onSubmit={submit} className="flex items-center gap-2">
          <label htmlFor={`${id}-path`} className="text-[13px] text-muted-foreground">
            Under
          </label>
          <Input
            id={`${id}-path`}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            className="w-72 font-mono text-xs"
            spellCheck={false}
            autoComplete="off"
          />
          <Button type="submit" loading={fetching}>
            Scan
          </Button>
          {parent ? (
            <Button onClick={() => onOpen(parent)} title={`Up to ${parent}`}>
              <CornerLeftUp aria-hidden="true" />
              Up
            </Button>
          ) : null}
        </form>
      </CardHeader>
      {usage.partial ? (
        <Alert tone="warning" className="m-3" title="Partial scan">
          The agent stopped scanning at its time or size limit after {usage.scanned_entries.toLocaleString()} entries, so these
          sizes may be too low. Open a smaller folder for exact numbers.
        </Alert>
      ) : null}
      {folders.length === 0 ? (
        <p className="px-4 py-6 text-[13px] text-muted-foreground">No folders under {usage.path}.</p>
      ) : (
        <Table className="table-fixed">
          <TableCaption>Largest folders under {usage.path}</TableCaption>
          <TableHeader>
            <tr>
              <TableHead scope="col">Folder</TableHead>
              <TableHead scope="col" className="w-1/3">
                Share
              </TableHead>
              <TableHead scope="col" className="w-28 text-right">
                Size
              </TableHead>
            </tr>
          </TableHeader>
          <TableBody>
            {folders.map((f) => (
              <TableRow key={f.path}>
                <TableCell>
                  <button
                    type="button"
                    onClick={() => onOpen(f.path)}
                    title={`Open ${f.path}`}
                    className="flex max-w-full cursor-pointer items-center gap-2 text-left font-mono text-xs text-link hover:underline focus-visible:outline-2 focus-visible:outline-ring"
                  >
                    <Folder className="size-3.5 shrink-0 text-muted-foreground" aria-hidden="true" />
                    <span className="truncate">{f.path}</span>
                  </button>
                </TableCell>
                <TableCell>
                  <UsageBar
                    percent={largest > 0 ? (f.size_bytes / largest) * 100 : 0}
                    label={`${f.path} relative to the largest folder`}
                    className="[&>div]:bg-link"
                  />
                </TableCell>
                <TableCell className="text-right tabular-nums">{formatBytes(f.size_bytes)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <p className="flex items-center gap-1.5 border-t border-border px-4 py-2 text-xs text-muted-foreground">
        <FolderOpen className="size-3.5" aria-hidden="true" />
        <span>
          {usage.scanned_entries.toLocaleString()} entries scanned under <span className="font-mono">{usage.path}</span>. Click a
          folder to look inside it.
        </span>
      </p>
    </Card>
  );
}
