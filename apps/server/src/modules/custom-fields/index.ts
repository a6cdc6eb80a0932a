import { defineModule } from '../../platform/modules/define.js';
import { customFieldsRoutes } from './custom-fields.routes.js';
import { CustomFieldsService } from './custom-fields.service.js';

export { variablesFor } from './custom-fields.service.js';

/**
 * Custom fields (FEATURES DEV9): defined per partner on organizations, sites
 * and devices, set by whoever manages the entity, and read by scripts as
 * variables ({{custom.<name>}}, CLOUDRMM_CUSTOM_<NAME>) through variablesFor.
 */
export const customFieldsModule = defineModule({
  name: 'custom-fields',
  permissions: {
    'custom_fields.manage': { scope: 'partner', description: 'Define custom fields on organizations, sites and devices' },
  },
  routes: (app, ctx) => customFieldsRoutes(app, new CustomFieldsService(ctx.db)),
});
