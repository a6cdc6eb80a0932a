import { defineModule } from '../../platform/modules/define.js';
import { scriptsRoutes } from './scripts.routes.js';
import { ScriptsService } from './scripts.service.js';

export { scriptForRun } from './scripts.service.js';
export type { ScriptForRun, StoredParameter as ScriptParameter } from './scripts.schemas.js';

/**
 * The script library (FEATURES AUT1, AUT2, AUT6): scripts with typed
 * parameters, per-OS targets and an edit history; platform-published scripts
 * every partner reads and copies. The commands module runs them (scriptForRun).
 */
export const scriptsModule = defineModule({
  name: 'scripts',
  permissions: {
    'scripts.view': { scope: 'partner', description: 'See the script library' },
    'scripts.manage': { scope: 'partner', description: 'Create, edit, copy and delete scripts' },
  },
  routes: (app, ctx) => scriptsRoutes(app, new ScriptsService(ctx.db)),
});
