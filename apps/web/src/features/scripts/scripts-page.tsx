import { Link, getRouteApi } from '@tanstack/react-router';
import { FileCode2, Globe, Plus, SearchX, X } from 'lucide-react';
import { flattenPages } from '../../api/list';
import { useDocumentTitle } from '../../app/use-document-title';
import { Badge } from '../../ui/badge';
import { Button } from '../../ui/button';
import { Card } from '../../ui/card';
import { cursorListProps, DataTable } from '../../ui/data-table';
import type { Column } from '../../ui/data-table';
import { EmptyState } from '../../ui/empty-state';
import { CheckboxToggle, FilterSelect, ListToolbar, SearchInput } from '../../ui/list-toolbar';
import { PageHeader } from '../../ui/page-header';
import { Time } from '../../ui/time';
import { Truncate } from '../../ui/truncate';
import { useCan } from '../auth/session-context';
import { usePartnerSummary } from '../partners/use-partner-name';
import {
  LANGUAGE_LABELS,
  LANGUAGES,
  OS_LABELS,
  TARGET_OSES,
  useScriptCategories,
  useScriptList,
  validateScriptsSearch,
} from './api';
import type { Script, ScriptsSearch } from './api';

const route = getRouteApi('/_app/partners/$partnerId/scripts');

/** Published by CloudRMM for every partner: read-only, can be copied. */
export function PlatformBadge() {
  return (
    <Badge tone="accent" title="Published by the platform: read-only, copy it to change it">
      <Globe aria-hidden="true" />
      Platform
    </Badge>
  );
}

export function osText(oses: string[]): string {
  if (oses.length === 0) return 'Any OS';
  return oses.map((o) => OS_LABELS[o as keyof typeof OS_LABELS] ?? o).join(', ');
}

export function ScriptsPage() {
  const { partnerId } = route.useParams();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const partner = usePartnerSummary(partnerId);
  const list = useScriptList(partnerId, search);
  const categories = useScriptCategories(partnerId);
  const { items, total } = flattenPages(list.data?.pages);
  const canManage = useCan('scripts.manage');
  useDocumentTitle('Scripts', partner.name);

  function setSearch(patch: Partial<ScriptsSearch>) {
    void navigate({ search: (prev) => validateScriptsSearch({ ...prev, ...patch }), replace: true });
  }

  const filtered = Boolean(search.q || search.category || search.language || search.os || search.mine);
  const categoryOptions = [...new Set([...(categories.data ?? []), ...(search.category ? [search.category] : [])])].sort();

  const columns: Column<Script>[] = [
    {
      id: 'name',
      header: 'Name',
      skeletonClassName: 'w-40',
      cell: (s) => (
        <div className="grid min-w-0">
          <div id={`script-${s.id}-name`} className="flex min-w-0 items-center gap-2">
            <Link
              to="/partners/$partnerId/scripts/$scriptId"
              params={{ partnerId, scriptId: s.id }}
              className="min-w-0 font-medium text-foreground hover:text-link hover:underline"
            >
              <Truncate text={s.name} />
            </Link>
            {s.owner === 'platform' ? <PlatformBadge /> : null}
          </div>
          {s.description ? <Truncate text={s.description} className="text-xs text-muted-foreground" /> : null}
        </div>
      ),
    },
    {
      id: 'category',
      header: 'Category',
      className: 'hidden w-36 md:table-cell',
      skeletonClassName: 'w-20',
      cell: (s) => (s.category ? <Truncate text={s.category} /> : <span className="text-muted-foreground">—</span>),
    },
    {
      id: 'language',
      header: 'Language',
      className: 'w-28',
      skeletonClassName: 'w-16',
      cell: (s) => LANGUAGE_LABELS[s.language] ?? s.language,
    },
    {
      id: 'os',
      header: 'Target OS',
      className: 'hidden w-40 lg:table-cell',
      skeletonClassName: 'w-20',
      cell: (s) => <Truncate text={osText(s.target_os)} />,
    },
    {
      id: 'parameters',
      header: 'Parameters',
      className: 'hidden w-24 text-right xl:table-cell',
      skeletonClassName: 'ml-auto w-6',
      cell: (s) => s.parameters.length,
    },
    {
      id: 'updated',
      header: 'Updated',
      className: 'hidden w-32 text-muted-foreground md:table-cell',
      skeletonClassName: 'w-20',
      cell: (s) => <Time value={s.updated_at} mode="relative" />,
    },
  ];

  const createButton = canManage ? (
    <Button asChild variant="primary">
      <Link to="/partners/$partnerId/scripts/new" params={{ partnerId }}>
        <Plus aria-hidden="true" />
        New script
      </Link>
    </Button>
  ) : null;

  return (
    <div className="grid gap-5">
      <PageHeader
        title="Scripts"
        description="Your script library and the scripts CloudRMM publishes for every partner. Run them on one device or many, now or on a schedule."
        actions={createButton}
      />
      <Card>
        <ListToolbar
          actions={
            filtered ? (
              <Button asChild size="sm" variant="subtle">
                <Link to="/partners/$partnerId/scripts" params={{ partnerId }}>
                  <X aria-hidden="true" />
                  Clear filters
                </Link>
              </Button>
            ) : null
          }
        >
          <SearchInput
            label="Search scripts"
            className="w-60"
            value={search.q ?? ''}
            onChange={(q) => setSearch({ q: q || undefined })}
          />
          <FilterSelect
            label="Category"
            className="w-40"
            value={search.category}
            onChange={(category) => setSearch({ category })}
            anyLabel="All categories"
            options={categoryOptions.map((c) => ({ value: c, label: c }))}
            chosenLabel={search.category ?? ''}
          />
          <FilterSelect
            label="Language"
            className="w-36"
            value={search.language}
            onChange={(language) => setSearch({ language: language as ScriptsSearch['language'] })}
            anyLabel="Any language"
            options={LANGUAGES.map((l) => ({ value: l, label: LANGUAGE_LABELS[l] }))}
            chosenLabel={search.language ?? ''}
          />
          <FilterSelect
            label="Target OS"
            className="w-32"
            value={search.os}
            onChange={(os) => setSearch({ os: os as ScriptsSearch['os'] })}
            anyLabel="Any OS"
            options={TARGET_OSES.map((o) => ({ value: o, label: OS_LABELS[o] }))}
            chosenLabel={search.os ?? ''}
          />
          <CheckboxToggle
            label="Only my library"
            checked={search.mine === 1}
            onChange={(checked) => setSearch({ mine: checked ? 1 : undefined })}
          />
        </ListToolbar>
        <DataTable
          label="Scripts"
          noun={['script', 'scripts']}
          columns={columns}
          rows={items}
          rowKey={(s) => s.id}
          sort="name"
          onSortChange={() => undefined}
          {...cursorListProps(list)}
          total={total}
          empty={
            filtered ? (
              <EmptyState
                icon={SearchX}
                title="No scripts match these filters"
                description="Check the spelling, or clear the filters to see the whole library."
                action={
                  <Button asChild>
                    <Link to="/partners/$partnerId/scripts" params={{ partnerId }}>
                      Clear filters
                    </Link>
                  </Button>
                }
              />
            ) : (
              <EmptyState
                icon={FileCode2}
                title="No scripts yet — write the first one"
                description="A script has a body in Bash, sh, Python or PowerShell and typed parameters that are asked for at each run."
                action={createButton}
              />
            )
          }
        />
      </Card>
    </div>
  );
}
