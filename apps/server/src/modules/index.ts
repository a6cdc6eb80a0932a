import { authModule } from '../platform/auth/index.js';
import type { CloudRmmModule } from '../platform/modules/define.js';
import { accessModule } from './access/index.js';
import { apiKeysModule } from './api-keys/index.js';
import { auditModule } from './audit/index.js';
import { commandsModule } from './commands/index.js';
import { customFieldsModule } from './custom-fields/index.js';
import { devicesModule } from './devices/index.js';
import { enrollmentModule } from './enrollment/index.js';
import { schedulesModule } from './schedules/index.js';
import { scriptsModule } from './scripts/index.js';
import { ssoModule } from './sso/index.js';
import { tenancyModule } from './tenancy/index.js';
import { twoFactorModule } from './two-factor/index.js';
import { usersModule } from './users/index.js';

/** The one list of CloudRMM's modules, in registration order. */
export const modules: CloudRmmModule[] = [
  authModule,
  tenancyModule,
  accessModule,
  auditModule,
  twoFactorModule,
  ssoModule,
  apiKeysModule,
  usersModule,
  devicesModule,
  enrollmentModule,
  scriptsModule,
  customFieldsModule,
  commandsModule,
  schedulesModule,
];
