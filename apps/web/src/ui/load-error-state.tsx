import { AlertTriangle, FileQuestion, RotateCw } from 'lucide-react';
import type { ReactNode } from 'react';
import { errorMessage, isApiError } from '../api/client';
import { Button } from './button';
import { Card } from './card';
import { EmptyState } from './empty-state';

/** The error state of a detail page: "not found" with a way back, or the error with Retry. */
export function LoadErrorState({
  error,
  thing,
  onRetry,
  back,
}: {
  error: unknown;
  thing: string;
  onRetry: () => void;
  back: ReactNode;
}) {
  // 400 here means the id in the address is malformed: to the user that is "not found" too.
  if (isApiError(error) && (error.status === 404 || error.status === 403 || error.status === 400)) {
    return (
      <Card>
        <EmptyState
          role="alert"
          icon={FileQuestion}
          title={`${thing[0]?.toUpperCase()}${thing.slice(1)} not found`}
          description={`This ${thing} does not exist, was deleted, or you do not have access to it.`}
          action={back}
        />
      </Card>
    );
  }
  return (
    <Card>
      <EmptyState
        role="alert"
        tone="danger"
        icon={AlertTriangle}
        title={`Could not load this ${thing}`}
        description={errorMessage(error)}
        action={
          <>
            <Button onClick={onRetry}>
              <RotateCw aria-hidden="true" />
              Retry
            </Button>
            {back}
          </>
        }
      />
    </Card>
  );
}
