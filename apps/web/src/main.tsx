import './styles.css';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { setUnauthorizedHandler } from './api/client';
import { queryClient } from './app/query-client';
import { createAppRouter } from './app/router';
import { initTheme } from './app/theme';
import { sessionQueryKey } from './features/auth/api';
import { ToastProvider } from './ui/toast';
import { TooltipProvider } from './ui/tooltip';

// Before the first render, so a light-theme user never sees the dark default flash.
initTheme();

const router = createAppRouter(queryClient);

// Any 401 means the session is gone.
// The signed-in layout sees the null session and goes to sign-in (see AppLayout).
setUnauthorizedHandler(() => {
  queryClient.setQueryData(sessionQueryKey, null);
});

const container = document.getElementById('root');
if (!container) throw new Error('#root is missing from index.html');

createRoot(container).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <TooltipProvider delayDuration={300}>
        <ToastProvider>
          <RouterProvider router={router} />
        </ToastProvider>
      </TooltipProvider>
    </QueryClientProvider>
  </StrictMode>,
);
