import { useSyncExternalStore } from 'react';

export type Theme = 'dark' | 'light';

const STORAGE_KEY = 'cloudrmm.theme';
const listeners = new Set<() => void>();

function readStoredTheme(): Theme {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'light' ? 'light' : 'dark';
  } catch {
    return 'dark';
  }
}

let current: Theme = readStoredTheme();

function apply(theme: Theme): void {
  document.documentElement.classList.toggle('dark', theme === 'dark');
}

/** Runs before the first render (imported first by main.tsx), so there is no flash. */
export function initTheme(): void {
  apply(current);
}

/** Switches without every hover/transition animating from the old colours. */
function applyWithoutTransitions(theme: Theme): void {
  const root = document.documentElement;
  root.classList.add('theme-switching');
  apply(theme);
  // Force a style flush, then let transitions run again on the next frame.
  void root.offsetHeight;
  requestAnimationFrame(() => root.classList.remove('theme-switching'));
}

export function setTheme(theme: Theme): void {
  current = theme;
  try {
    localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  applyWithoutTransitions(theme);
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (event: StorageEvent) => {
    if (event.key !== STORAGE_KEY) return;
    current = readStoredTheme();
    applyWithoutTransitions(current);
    listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

export function useTheme(): [Theme, (theme: Theme) => void] {
  const theme = useSyncExternalStore(subscribe, () => current);
  return [theme, setTheme];
}
