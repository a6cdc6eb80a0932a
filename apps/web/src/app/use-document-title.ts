import { useEffect } from 'react';

/** Sets the tab title ("Organizations · Acme · CloudRMM") while the page is shown. */
export function useDocumentTitle(...parts: (string | undefined | null)[]): void {
  const title = [...parts.filter(Boolean), 'CloudRMM'].join(' · ');
  useEffect(() => {
    document.title = title;
  }, [title]);
}
