import { ENROLL_PATH, EnrollRequest, EnrollResponse } from '@cloudrmm/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AGENT, PUBLIC } from '../../platform/auth/permissions.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { SITE_CODE_PATTERN } from './enrollment-secrets.js';
import type { EnrollmentService } from './enrollment.service.js';
import type { AgentBundle } from './install/agent-bundle.js';
import { installCommands } from './install/install-commands.js';
import { INSTALL_CSS, installPage, invalidLinkPage, tooManyAttemptsPage } from './install/page.js';
import { linuxScript, macosScript, windowsScript, type ScriptInput } from './install/scripts.js';

const SCRIPTS = {
  'linux.sh': linuxScript,
  'macos.sh': macosScript,
  'windows.ps1': windowsScript,
} as const satisfies Record<string, (input: ScriptInput) => string>;

const NOT_BUILT =
  'The CloudRMM agent has not been built on this server, so it cannot be installed yet. ' +
  'The operator builds it with `npm run build -w @cloudrmm/agent` (or points CLOUDRMM_AGENT_BUNDLE at it).\n';

/**
 * What the gateway serves before an agent has an identity (AGT1, AGT2): the
 * enrollment itself, each site's public install page and scripts, and the
 * agent bundle they download. All of it is public or paid for by the site
 * code or token presented; none of it names a partner, organization or site.
 */
export async function enrollmentGatewayRoutes(
  root: FastifyInstance,
  opts: { service: EnrollmentService; bundle: AgentBundle; publicUrl: string },
) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { service, bundle, publicUrl } = opts;

  app.post(
    ENROLL_PATH,
    {
      config: { permission: AGENT },
      // An enrollment is a few hundred bytes.
      bodyLimit: 16 * 1024,
      schema: {
        tags: ['agent'],
        operationId: 'enrollAgent',
        description:
          'Trades a site code (from the install link) or a one-time enrollment token for an agent identity: a new device under the site and its credential, shown this once. Refusals are 403 enrollment_refused with the reason; unknown codes and tokens from one address are locked out after a few tries (429). Permission: agent.',
        body: EnrollRequest,
        response: { 201: EnrollResponse, ...errorResponses(400, 403, 429) },
      },
    },
    async (req, reply) => reply.code(201).send(await service.enroll(req.body, { ip: req.ip, requestId: req.id })),
  );

  const hidden = { hide: true };

  app.get('/install/assets/install.css', { config: { permission: PUBLIC }, schema: hidden }, async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(INSTALL_CSS),
  );

  app.get('/install/agent/cloudrmm-agent.mjs', { config: { permission: PUBLIC }, schema: hidden }, async (_req, reply) => {
    const file = await bundle.read();
    if (!file) return reply.code(503).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    return reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('x-content-sha256', file.sha256)
      .send(file.bytes);
  });

  // The generic scripts: they carry no site code and enroll with --token / -Token only.
  for (const [name, render] of Object.entries(SCRIPTS)) {
    app.get(`/install/${name}`, { config: { permission: PUBLIC }, schema: hidden }, async (_req, reply) => {
      const file = await bundle.read();
      if (!file) return notBuilt(reply);
      return script(reply, render({ publicUrl, siteCode: null, bundleSha256: file.sha256 }));
    });
  }

  const CodeParams = Type.Object({ siteCode: Type.String({ maxLength: 200 }) });

  app.get(
    '/install/:siteCode',
    { config: { permission: PUBLIC }, schema: { ...hidden, params: CodeParams } },
    async (req, reply) => {
      const { siteCode } = req.params;
      if (await refusedCode(req, reply, siteCode, 'page')) return reply;
      return page(reply, 200).send(
        installPage({
          siteCode,
          commands: installCommands(publicUrl, { siteCode }),
          userAgent: req.headers['user-agent'],
        }),
      );
    },
  );

  for (const [name, render] of Object.entries(SCRIPTS)) {
    app.get(
      `/install/:siteCode/${name}`,
      { config: { permission: PUBLIC }, schema: { ...hidden, params: CodeParams } },
      async (req, reply) => {
        const { siteCode } = req.params;
        if (await refusedCode(req, reply, siteCode, 'script')) return reply;
        const file = await bundle.read();
        if (!file) return notBuilt(reply);
        return script(reply, render({ publicUrl, siteCode, bundleSha256: file.sha256 }));
      },
    );
  }

  /**
   * Answers for a code that does not work (unknown, rotated, disabled, its site
   * deleted) and counts it like a guessed enrollment: the install page must not
   * be a faster way to try codes than the enrollment. false: the code works and
   * nothing was sent.
   */
  async function refusedCode(req: FastifyRequest, reply: FastifyReply, code: string, kind: 'page' | 'script'): Promise<boolean> {
    const locked = await service.isLocked(req.ip);
    if (locked > 0) {
      reply.header('retry-after', String(locked));
      const message = `Too many install links that do not work were tried from this network. Try again in ${Math.ceil(locked / 60)} minute(s).`;
      if (kind === 'page') page(reply, 429).send(tooManyAttemptsPage(message));
      else reply.code(429).type('text/plain; charset=utf-8').send(`${message}\n`);
      return true;
    }
    if (SITE_CODE_PATTERN.test(code) && (await service.installCodeWorks(code))) return false;
    await service.recordGuess(req.ip);
    if (kind === 'page') page(reply, 404).send(invalidLinkPage());
    else
      reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send('This install link is not valid (it may have been rotated or disabled). Ask your IT provider for a new one.\n');
    return true;
  }
}

function page(reply: FastifyReply, status: number) {
  // The page holds the site code: no caching, no search engines.
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-robots-tag', 'noindex, nofollow');
}

/** Plain text, so "read the script before running it" shows it in the browser instead of downloading it. */
function script(reply: FastifyReply, body: string) {
  return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(body);
}

function notBuilt(reply: FastifyReply) {
  return reply.code(503).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
}
