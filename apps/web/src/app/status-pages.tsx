import { Link, useRouter } from '@tanstack/react-router';
import type { ErrorComponentProps } from '@tanstack/react-router';
import { AlertTriangle, ArrowLeft, FileQuestion, RotateCw, UserX } from 'lucide-react';
import { errorMessage } from '../api/client';
import { Button } from '../ui/button';
import { Card } from '../ui/card';
import { EmptyState } from '../ui/empty-state';
import { Wordmark } from './logo';
import { useDocumentTitle } from './use-document-title';

/** Unknown path inside the app. */
export function NotFoundPage() {
  useDocumentTitle('Page not found');
  return (
    <Card>
      <EmptyState
        icon={FileQuestion}
        title="Page not found"
        description="The address may be mistyped, or the page may have moved."
        action={
          <Button asChild>
            <Link to="/">
              <ArrowLeft aria-hidden="true" />
              Go to the dashboard
            </Link>
          </Button>
        }
      />
    </Card>
  );
}

/** A signed-in user with no partner and no platform role has nothing to see yet. */
export function NoAccessPage() {
  useDocumentTitle('No access');
  return (
    <Card>
      <EmptyState
        icon={UserX}
        title="Your account is not linked to a partner"
        description="Ask a platform administrator to add you to a partner, then sign in again."
      />
    </Card>
  );
}

/** A route failed to load (e.g. the server is unreachable). */
export function RouteErrorPage({ error }: ErrorComponentProps) {
  const router = useRouter();
  useDocumentTitle('Error');
  return (
    <main className="flex min-h-full flex-col items-center justify-center gap-6 px-4 py-12">
      <Wordmark />
      <Card className="w-full max-w-md">
        <EmptyState
          role="alert"
          tone="danger"
          icon={AlertTriangle}
          title="CloudRMM could not load this page"
          description={errorMessage(error)}
          action={
            <Button onClick={() => void router.invalidate()}>
              <RotateCw aria-hidden="true" />
              Retry
            </Button>
          }
        />
      </Card>
    </main>
  );
}
