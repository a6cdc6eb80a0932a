import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { Wordmark } from '../../app/logo';

/** The frame of the signed-out pages (sign-in, invitation, password reset): logo, one card, a way back. */
export function PublicCard({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <main className="flex min-h-full items-center justify-center bg-background px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex justify-center">
          <Wordmark />
        </div>
        <div className="rounded-lg border border-border bg-card p-6 shadow-xl shadow-black/5">
          <div className="mb-5 grid gap-1">
            <h1 className="text-lg font-semibold text-foreground">{title}</h1>
            {description ? <div className="text-[13px] text-muted-foreground">{description}</div> : null}
          </div>
          {children}
        </div>
        <p className="mt-6 text-center text-xs text-muted-foreground">
          <Link to="/login" className="text-link underline-offset-4 hover:underline">
            Back to sign-in
          </Link>
        </p>
      </div>
    </main>
  );
}
