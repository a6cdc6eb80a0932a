import { useState } from 'react';
import type { ReactNode } from 'react';
import { Alert } from './alert';
import { Button } from './button';
import { Dialog, DialogContent, DialogFooter } from './dialog';

/**
 * A dialog that creates a secret (an API key, an enrollment token) and then
 * shows it once. The secret lives only in this dialog's state: closing the
 * dialog forgets it.
 */
export function SecretOnceDialog<T>({
  open,
  onOpenChange,
  form,
  reveal,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** The form, which hands the created secret to onCreated. */
  form: (onCreated: (created: T) => void, onCancel: () => void) => ReactNode;
  /** The secret on screen, usually a SecretOnceContent; onDone closes the dialog. */
  reveal: (created: T, onDone: () => void) => ReactNode;
}) {
  const [created, setCreated] = useState<T | null>(null);

  function change(next: boolean) {
    if (!next) setCreated(null);
    onOpenChange(next);
  }

  return (
    <Dialog open={open} onOpenChange={change}>
      {open ? (created !== null ? reveal(created, () => change(false)) : form(setCreated, () => change(false))) : null}
    </Dialog>
  );
}

/**
 * The one time a whole secret is on screen: a warning that it will not be
 * shown again, the secret (children), and "I have copied it".
 */
export function SecretOnceContent({
  title,
  description,
  className,
  warning,
  children,
  onDone,
}: {
  title: string;
  description: ReactNode;
  className?: string;
  /** The warning's title and text. */
  warning: { title: string; text: ReactNode };
  children: ReactNode;
  onDone: () => void;
}) {
  return (
    <DialogContent
      title={title}
      description={description}
      className={className}
      // A stray click must not throw the secret away.
      onInteractOutside={(e) => e.preventDefault()}
    >
      <Alert tone="warning" title={warning.title}>
        {warning.text}
      </Alert>
      {children}
      <DialogFooter>
        <Button variant="primary" onClick={onDone}>
          I have copied it
        </Button>
      </DialogFooter>
    </DialogContent>
  );
}
