import { lazy, Suspense } from 'react';
import { Skeleton } from '../../ui/skeleton';

export interface CodeEditorProps {
  value: string;
  onChange?: (value: string) => void;
  /** bash, sh, python, powershell, cmd: picks the syntax highlighting. */
  language: string;
  readOnly?: boolean;
  /** The editor's accessible name ("Script body"). */
  label: string;
  minHeight?: number;
}

// CodeMirror is loaded only when an editor is shown: the rest of the dashboard does not carry it.
const CodeEditorImpl = lazy(() => import('./code-editor-impl'));

/** A code editor with syntax highlighting for the script languages. */
export function CodeEditor(props: CodeEditorProps) {
  return (
    <Suspense
      fallback={
        <div
          aria-busy="true"
          className="grid gap-2 rounded-md border border-input p-3"
          style={{ minHeight: props.minHeight ?? 320 }}
        >
          <Skeleton className="h-3.5 w-2/3" />
          <Skeleton className="h-3.5 w-1/2" />
          <Skeleton className="h-3.5 w-3/5" />
          <span className="sr-only" role="status">
            Loading the editor…
          </span>
        </div>
      }
    >
      <CodeEditorImpl {...props} />
    </Suspense>
  );
}
