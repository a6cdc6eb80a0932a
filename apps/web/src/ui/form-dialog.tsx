import { RotateCw } from 'lucide-react';
import type { FormEvent, ReactNode } from 'react';
import { isApiError } from '../api/client';
import { Alert } from './alert';
import { Button } from './button';
import { DialogContent, DialogFooter } from './dialog';

export interface FormErrors {
  /** API messages keyed by the field they name. */
  fieldErrors: Record<string, string>;
  /** A message that belongs to no field on this form. */
  formError: string | null;
  /** 409 on an update: the row changed since it was read. */
  conflict: boolean;
}

/** Splits an API error into field errors (shown next to the field) and the rest. */
export function formErrors(error: unknown, fields: readonly string[], editing: boolean): FormErrors {
  if (!error) return { fieldErrors: {}, formError: null, conflict: false };
  if (isApiError(error)) {
    // A 409 that names a field is a uniqueness rule ("name already exists"), not a stale version.
    if (error.field && fields.includes(error.field)) {
      return { fieldErrors: { [error.field]: error.message }, formError: null, conflict: false };
    }
    if (error.status === 409 && editing) return { fieldErrors: {}, formError: null, conflict: true };
    return { fieldErrors: {}, formError: error.message, conflict: false };
  }
  return {
    fieldErrors: {},
    formError: error instanceof Error ? error.message : 'Something went wrong.',
    conflict: false,
  };
}

export interface FormDialogContentProps {
  title: string;
  description?: ReactNode;
  submitLabel: string;
  pending: boolean;
  formError: string | null;
  /** Offer to load the current version after a 409. */
  conflict?: { thing: string; onReload: () => void; reloading: boolean } | null;
  onSubmit: () => void;
  onCancel: () => void;
  children: ReactNode;
  /** e.g. a wider dialog for a long form. */
  className?: string;
}

/** The body of a create/edit dialog: fields, errors, Cancel and the submit button. */
export function FormDialogContent({
  title,
  description,
  submitLabel,
  pending,
  formError,
  conflict,
  onSubmit,
  onCancel,
  children,
  className,
}: FormDialogContentProps) {
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!pending) onSubmit();
  }
  return (
    <DialogContent
      title={title}
      description={description}
      hideClose={pending}
      className={className}
      onInteractOutside={(e) => {
        if (pending) e.preventDefault();
      }}
      onEscapeKeyDown={(e) => {
        if (pending) e.preventDefault();
      }}
    >
      <form noValidate onSubmit={submit} className="grid gap-4">
        {children}
        {conflict ? (
          <Alert
            tone="warning"
            title="Changed by someone else"
            action={
              <Button size="sm" onClick={conflict.onReload} loading={conflict.reloading}>
                {conflict.reloading ? null : <RotateCw aria-hidden="true" />}
                Reload
              </Button>
            }
          >
            This {conflict.thing} was changed by someone else after you opened it. Reload to get the latest version, then make
            your change again.
          </Alert>
        ) : formError ? (
          <Alert>{formError}</Alert>
        ) : null}
        <DialogFooter>
          <Button onClick={onCancel} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" loading={pending}>
            {submitLabel}
          </Button>
        </DialogFooter>
      </form>
    </DialogContent>
  );
}

/**
 * The end of a form on a page (not in a dialog): a 409 with Reload, or the
 * API's message, then the submit button (none for those who may only read).
 */
export function PageFormFooter({
  errors,
  changedText,
  onReload,
  reloading,
  submitLabel,
  pending,
  dirty,
  canSubmit = true,
}: {
  errors: FormErrors;
  /** What a 409 means here: "These settings changed after the page loaded." */
  changedText: string;
  onReload: () => void;
  reloading: boolean;
  submitLabel: string;
  pending: boolean;
  dirty: boolean;
  canSubmit?: boolean;
}) {
  return (
    <>
      {errors.conflict ? (
        <Alert
          tone="warning"
          title="Changed by someone else"
          action={
            <Button size="sm" onClick={onReload} loading={reloading}>
              Reload
            </Button>
          }
        >
          {changedText} Reload, then make your change again.
        </Alert>
      ) : errors.formError ? (
        <Alert>{errors.formError}</Alert>
      ) : null}
      {canSubmit ? (
        <div>
          <Button type="submit" variant="primary" loading={pending} disabled={!dirty}>
            {submitLabel}
          </Button>
        </div>
      ) : null}
    </>
  );
}
