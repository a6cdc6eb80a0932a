import { authModule } from '../platform/auth/index.js';
import type { CloudRmmModule } from '../platform/modules/define.js';
import { auditModule } from './audit/index.js';
import { tenancyModule } from './tenancy/index.js';

/** The one list of CloudRMM's modules, in registration order. */
export const modules: CloudRmmModule[] = [authModule, tenancyModule, auditModule];
