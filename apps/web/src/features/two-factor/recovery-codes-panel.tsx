import { Check, Copy, Download } from 'lucide-react';
import { useState } from 'react';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';

/** The recovery codes, shown once: copy them or download them as a text file before going on. */
export function RecoveryCodesPanel({
  codes,
  account,
  doneLabel,
  onDone,
}: {
  codes: string[];
  /** Written into the downloaded file, so it says whose codes these are. */
  account: string;
  doneLabel: string;
  onDone: () => void;
}) {
  const [saved, setSaved] = useState<'copied' | 'downloaded' | null>(null);
  const text = [
    `CloudRMM recovery codes for ${account}`,
    `Created ${new Date().toISOString()}`,
    '',
    'Each code signs you in once if you lose your authenticator app.',
    '',
    ...codes,
    '',
  ].join('\n');

  function copy() {
    void navigator.clipboard?.writeText(text).then(() => setSaved('copied'));
  }

  function download() {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = 'cloudrmm-recovery-codes.txt';
    link.click();
    URL.revokeObjectURL(url);
    setSaved('downloaded');
  }

  return (
    <div className="grid gap-4">
      <Alert tone="warning" title="Save your recovery codes now">
        Each code signs you in once if you lose your phone. They are shown only this once: keep them in a password manager or
        print them.
      </Alert>
      <ul
        aria-label="Recovery codes"
        className="grid grid-cols-2 gap-x-6 gap-y-1.5 rounded-md border border-border bg-muted/40 px-4 py-3"
      >
        {codes.map((code) => (
          <li key={code} className="font-mono text-[13px] tracking-wide text-foreground">
            {code}
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap items-center gap-2">
        <Button onClick={copy}>
          {saved === 'copied' ? <Check aria-hidden="true" className="text-success-text" /> : <Copy aria-hidden="true" />}
          {saved === 'copied' ? 'Copied' : 'Copy all'}
        </Button>
        <Button onClick={download}>
          <Download aria-hidden="true" />
          Download
        </Button>
        <Button variant="primary" className="ml-auto" onClick={onDone}>
          {doneLabel}
        </Button>
      </div>
      <p className="text-xs text-muted-foreground" role="status">
        {saved === 'copied' ? 'The codes are on your clipboard.' : saved === 'downloaded' ? 'The codes were downloaded.' : null}
      </p>
    </div>
  );
}
