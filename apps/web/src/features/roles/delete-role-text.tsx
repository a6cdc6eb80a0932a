import { plural } from '../../ui/format';
import type { Role } from './api';

/** The confirmation of deleting a custom role: its name, and who still holds it. */
export function DeleteRoleText({ role }: { role: Role }) {
  return (
    <>
      The custom role <strong className="font-semibold text-foreground">“{role.name}”</strong> will be deleted.
      {role.assignment_count > 0 ? (
        <> It is still assigned {plural(role.assignment_count, 'time', 'times')}: take it away from those users first.</>
      ) : (
        <> Nobody holds it.</>
      )}
    </>
  );
}
