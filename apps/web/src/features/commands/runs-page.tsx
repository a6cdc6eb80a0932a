import { Link, getRouteApi } from '@tanstack/react-router';
import { ListTree, X } from 'lucide-react';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Card } from '../../ui/card';
import { PageHeader } from '../../ui/page-header';
import { usePartnerSummary } from '../partners/use-partner-name';
import { useTask, validateRunsSearch } from './api';
import type { RunsSearch } from './api';
import { RunsList } from './runs-list';

const route = getRouteApi('/_app/partners/$partnerId/runs');

/** Every run of every device of the partner (AUT4). */
export function RunsPage() {
  const { partnerId } = route.useParams();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const partner = usePartnerSummary(partnerId);
  useDocumentTitle('Runs', partner.name);

  function setSearch(patch: Partial<RunsSearch>) {
    void navigate({ search: (prev) => validateRunsSearch({ ...prev, ...patch }), replace: true });
  }

  return (
    <div className="grid gap-5">
      <PageHeader
        title="Runs"
        description="Every script, command, reboot and inventory refresh run on a device, newest first. Output is kept and searchable."
      />
      {search.task ? (
        <TaskFilterNote partnerId={partnerId} taskId={search.task} onClear={() => setSearch({ task: undefined })} />
      ) : null}
      <Card>
        <RunsList partnerId={partnerId} search={search} onSearchChange={setSearch} />
      </Card>
    </div>
  );
}

function TaskFilterNote({ partnerId, taskId, onClear }: { partnerId: string; taskId: string; onClear: () => void }) {
  const task = useTask(partnerId, taskId);
  return (
    <Alert
      tone="info"
      title={`Only the runs of one task${task.data ? `: “${task.data.title}”` : ''}`}
      action={
        <div className="flex gap-2">
          <Button asChild size="sm">
            <Link to="/partners/$partnerId/tasks/$taskId" params={{ partnerId, taskId }}>
              <ListTree aria-hidden="true" />
              Open the task
            </Link>
          </Button>
          <Button size="sm" variant="subtle" onClick={onClear}>
            <X aria-hidden="true" />
            Show all runs
          </Button>
        </div>
      }
    />
  );
}
