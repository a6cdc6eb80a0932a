import type { InstallCommands } from '../enrollment.schemas.js';

export type InstallOs = keyof InstallCommands;

/** The visitor's operating system, from the User-Agent; null when it is none we install on (phones included). */
export function detectOs(userAgent: string | undefined): InstallOs | null {
  const ua = userAgent ?? '';
  if (/iPhone|iPad|iPod|Android/i.test(ua)) return null;
  if (/Windows/i.test(ua)) return 'windows';
  if (/Macintosh|Mac OS X/i.test(ua)) return 'macos';
  if (/Linux|X11|CrOS/i.test(ua)) return 'linux';
  return null;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const OS_ORDER: InstallOs[] = ['linux', 'macos', 'windows'];

const SECTIONS: Record<InstallOs, { title: string; how: string; script: string }> = {
  linux: {
    title: 'Linux',
    how: 'In a terminal, as a user who may use sudo:',
    script: 'linux.sh',
  },
  macos: {
    title: 'macOS',
    how: 'In Terminal, as an administrator:',
    script: 'macos.sh',
  },
  windows: {
    title: 'Windows',
    how: 'In PowerShell opened with “Run as administrator”:',
    script: 'windows.ps1',
  },
};

const STYLESHEET = '/install/assets/install.css';

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${STYLESHEET}">
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/**
 * The public install page of a site (AGT2). It shows the command for the
 * visitor's system first and the others below, and tells nothing about the
 * site, its organization or its partner: only the code in the commands
 * (security.md 24).
 */
export function installPage(input: { siteCode: string; commands: InstallCommands; userAgent: string | undefined }): string {
  const detected = detectOs(input.userAgent);
  const order = detected ? [detected, ...OS_ORDER.filter((os) => os !== detected)] : OS_ORDER;
  const sections = order.map((os) => {
    const s = SECTIONS[os];
    const scriptUrl = `/install/${encodeURIComponent(input.siteCode)}/${s.script}`;
    return `<section class="os${os === detected ? ' detected' : ''}" id="${os}">
<h2>${escapeHtml(s.title)}${os === detected ? ' <span class="badge">this computer</span>' : ''}</h2>
<p>${escapeHtml(s.how)}</p>
<pre><code>${escapeHtml(input.commands[os])}</code></pre>
<p class="review">To read the script before running it: <a href="${escapeHtml(scriptUrl)}">${escapeHtml(s.script)}</a></p>
</section>`;
  });
  return layout(
    'Install the CloudRMM agent',
    `<h1>Install the CloudRMM agent</h1>
<p class="lead">Run one command on the computer you want your IT provider to manage. It downloads the agent, checks it, installs it as a service and connects the computer.</p>
${sections.join('\n')}
<p class="requirements">The agent needs <a href="https://nodejs.org/">Node.js</a> 20 or later on the computer. The command stops with a clear message if anything is missing.</p>`,
  );
}

export function invalidLinkPage(): string {
  return layout(
    'Install link not valid',
    `<h1>This install link is not valid</h1>
<p class="lead">This install link is not valid (it may have been rotated or disabled). Ask your IT provider for a new one.</p>`,
  );
}

export function tooManyAttemptsPage(message: string): string {
  return layout('Try again later', `<h1>Try again later</h1>\n<p class="lead">${escapeHtml(message)}</p>`);
}

/** Served as /install/assets/install.css: the page has no inline style (the CSP forbids it). */
export const INSTALL_CSS = `:root {
  color-scheme: light dark;
  --bg: #f6f7f9;
  --card: #ffffff;
  --text: #1b1f24;
  --muted: #5b6470;
  --border: #d8dde3;
  --accent: #2457c5;
  --code-bg: #0f1720;
  --code-text: #e6edf3;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117;
    --card: #161b22;
    --text: #e6edf3;
    --muted: #9aa4af;
    --border: #30363d;
    --accent: #6ea0ff;
    --code-bg: #010409;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--text);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
main { max-width: 46rem; margin: 0 auto; padding: 3rem 1.25rem 4rem; }
h1 { font-size: 1.6rem; margin: 0 0 0.5rem; }
h2 { font-size: 1.1rem; margin: 0 0 0.4rem; display: flex; align-items: center; gap: 0.5rem; }
.lead { color: var(--muted); margin: 0 0 2rem; }
.os {
  background: var(--card);
  border: 1px solid var(--border);
  border-radius: 8px;
  padding: 1.1rem 1.25rem;
  margin: 0 0 1rem;
}
.os.detected { border-color: var(--accent); box-shadow: 0 0 0 1px var(--accent); }
.os p { margin: 0 0 0.5rem; }
.badge {
  font-size: 0.75rem;
  font-weight: 600;
  color: var(--accent);
  border: 1px solid var(--accent);
  border-radius: 999px;
  padding: 0 0.5rem;
}
pre {
  margin: 0 0 0.5rem;
  padding: 0.75rem 0.9rem;
  background: var(--code-bg);
  color: var(--code-text);
  border-radius: 6px;
  overflow-x: auto;
  white-space: pre-wrap;
  word-break: break-all;
}
/* One click selects the whole command, ready to copy. */
pre code { font: 13px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; user-select: all; }
.review, .requirements { color: var(--muted); font-size: 0.9rem; }
a { color: var(--accent); }
`;
