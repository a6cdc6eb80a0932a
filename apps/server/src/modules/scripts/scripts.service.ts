import { audit, type Actor } from '../../platform/audit/audit.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { AppError, notFound, staleVersion } from '../../platform/http/errors.js';
import type { Page } from '../../platform/http/pagination.js';
import { scriptsRepo, type ScriptContent, type ScriptRow } from './scripts.repository.js';
import type { CopyScript, CreateScript, Script, ScriptForRun, ScriptQuery, UpdateScript } from './scripts.schemas.js';
import { checkLanguageOs, normalizeParameters } from './scripts.validation.js';

const DEFAULT_TIMEOUT_SECONDS = 300;
const MAX_NAME = 200;

/**
 * The script library (AUT1, AUT2, AUT6): a partner's own scripts and the
 * platform-published ones, which every partner reads and copies but never
 * changes. Every save is a new version, kept as the script's edit history.
 */
export class ScriptsService {
  constructor(private readonly db: Database) {}

  async list(partnerId: string, query: ScriptQuery): Promise<Page<Script>> {
    const page = await this.db.withTenant(partnerId, (tx) => scriptsRepo.list(tx, query));
    return { ...page, items: page.items.map(present) };
  }

  get(partnerId: string, scriptId: string): Promise<Script> {
    return this.db.withTenant(partnerId, async (tx) => present(await find(tx, scriptId)));
  }

  categories(partnerId: string): Promise<string[]> {
    return this.db.withTenant(partnerId, (tx) => scriptsRepo.categories(tx));
  }

  versions(partnerId: string, scriptId: string) {
    return this.db.withTenant(partnerId, async (tx) => {
      await find(tx, scriptId);
      return scriptsRepo.versions(tx, scriptId);
    });
  }

  create(partnerId: string, input: CreateScript, actor: Actor): Promise<Script> {
    const content = validated({
      name: input.name.trim(),
      description: input.description?.trim() ?? '',
      category: input.category?.trim() ?? '',
      language: input.language,
      target_os: input.target_os,
      body: input.body,
      parameters: normalizeParameters(input.parameters ?? []),
      default_timeout_seconds: input.default_timeout_seconds ?? DEFAULT_TIMEOUT_SECONDS,
      run_as: input.run_as ?? 'system',
    });
    return this.db.withTenant(partnerId, async (tx) => {
      const id = await scriptsRepo.insert(tx, partnerId, content, userOf(actor));
      const created = (await scriptsRepo.get(tx, id))!;
      await audit(tx, partnerId, actor, {
        action: 'script.create',
        targetType: 'script',
        targetId: id,
        after: auditView(created),
      });
      return present(created);
    });
  }

  update(partnerId: string, scriptId: string, input: UpdateScript, actor: Actor): Promise<Script> {
    const { version, ...changes } = input;
    return this.db.withTenant(partnerId, async (tx) => {
      const before = writable(await find(tx, scriptId));
      const content = validated({
        name: changes.name?.trim() ?? before.name,
        description: changes.description?.trim() ?? before.description,
        category: changes.category?.trim() ?? before.category,
        language: changes.language ?? before.language,
        target_os: changes.target_os ?? before.target_os,
        body: changes.body ?? before.body,
        parameters: changes.parameters ? normalizeParameters(changes.parameters) : before.parameters,
        default_timeout_seconds: changes.default_timeout_seconds ?? before.default_timeout_seconds,
        run_as: changes.run_as ?? before.run_as,
      });
      if (!(await scriptsRepo.update(tx, scriptId, partnerId, version, content, userOf(actor)))) throw staleVersion('the script');
      const after = (await scriptsRepo.get(tx, scriptId))!;
      await audit(tx, partnerId, actor, {
        action: 'script.update',
        targetType: 'script',
        targetId: scriptId,
        before: auditView(before),
        after: auditView(after),
      });
      return present(after);
    });
  }

  delete(partnerId: string, scriptId: string, actor: Actor): Promise<void> {
    return this.db.withTenant(partnerId, async (tx) => {
      const before = writable(await find(tx, scriptId));
      await scriptsRepo.softDelete(tx, scriptId, partnerId, userOf(actor));
      await audit(tx, partnerId, actor, {
        action: 'script.delete',
        targetType: 'script',
        targetId: scriptId,
        before: auditView(before),
      });
    });
  }

  /** A partner-owned copy of any script it can see (platform-published ones included), at version 1. */
  copy(partnerId: string, scriptId: string, input: CopyScript, actor: Actor): Promise<Script> {
    return this.db.withTenant(partnerId, async (tx) => {
      const source = await find(tx, scriptId);
      const name = input.name?.trim() || copyName(source.name);
      const id = await scriptsRepo.insert(tx, partnerId, { ...contentOf(source), name }, userOf(actor), source.id);
      const created = (await scriptsRepo.get(tx, id))!;
      await audit(tx, partnerId, actor, {
        action: 'script.copy',
        targetType: 'script',
        targetId: id,
        after: {
          ...auditView(created),
          copied_from: source.id,
          copied_from_owner: source.owner,
          copied_from_version: source.version,
        },
      });
      return present(created);
    });
  }
}

/**
 * The current version of a script, as the commands module runs it; null when
 * it does not exist, is deleted, or belongs to another partner (RLS).
 */
export async function scriptForRun(tx: Tx, scriptId: string): Promise<ScriptForRun | null> {
  const s = await scriptsRepo.get(tx, scriptId);
  if (!s) return null;
  return {
    id: s.id,
    name: s.name,
    language: s.language,
    body: s.body,
    parameters: s.parameters,
    default_timeout_seconds: s.default_timeout_seconds,
    run_as: s.run_as,
    version: s.version,
    target_os: s.target_os,
  };
}

// ---------------------------------------------------------------------------

async function find(tx: Tx, scriptId: string): Promise<ScriptRow> {
  return (await scriptsRepo.get(tx, scriptId)) ?? throwNotFound();
}

function throwNotFound(): never {
  throw notFound('script');
}

/** Platform-published scripts are the same for every partner: read and copy them, never change them. */
function writable(row: ScriptRow): ScriptRow {
  if (row.tenant_id === null) {
    throw new AppError(
      'read_only',
      `"${row.name}" is published by CloudRMM and cannot be changed or deleted; copy it to make your own version`,
    );
  }
  return row;
}

function validated(content: ScriptContent): ScriptContent {
  checkLanguageOs(content.language, content.target_os);
  return content;
}

function contentOf(s: ScriptRow): ScriptContent {
  return {
    name: s.name,
    description: s.description,
    category: s.category,
    language: s.language,
    target_os: s.target_os,
    body: s.body,
    parameters: s.parameters,
    default_timeout_seconds: s.default_timeout_seconds,
    run_as: s.run_as,
  };
}

function copyName(name: string): string {
  const suffix = ' (copy)';
  return name.slice(0, MAX_NAME - suffix.length) + suffix;
}

function userOf(actor: Actor): string | null {
  return actor.type === 'user' || actor.type === 'api_key' ? actor.id : null;
}

function present(row: ScriptRow): Script {
  const { tenant_id: _tenant, ...script } = row;
  return script;
}

/** What the audit log keeps of a script: every field, body included (it is what runs on devices). */
function auditView(row: ScriptRow) {
  return { ...contentOf(row), version: row.version, owner: row.owner };
}
