import { Check, Lock, Minus } from 'lucide-react';
import { useId } from 'react';
import { cn } from '../../ui/cn';
import { Tooltip } from '../../ui/tooltip';
import type { CatalogPermission, PermissionGroup } from './api';

export const NOT_HELD_HINT = 'You do not hold this permission';

export interface PermissionPickerProps {
  groups: PermissionGroup[];
  selected: ReadonlySet<string>;
  /** Permissions the signed-in user holds; the others cannot be given (the server answers 403). */
  held: ReadonlySet<string>;
  onChange?: (next: Set<string>) => void;
  /** Show what the role grants, without checkboxes. */
  readOnly?: boolean;
}

/** The permission catalog as checkbox groups, one per module, each with "Select all". */
export function PermissionPicker({ groups, selected, held, onChange, readOnly = false }: PermissionPickerProps) {
  return (
    <div className="divide-y divide-border">
      {groups.map((group) => (
        <PermissionGroupSection
          key={group.module}
          group={group}
          selected={selected}
          held={held}
          readOnly={readOnly || !onChange}
          onChange={onChange}
        />
      ))}
    </div>
  );
}

function PermissionGroupSection({
  group,
  selected,
  held,
  readOnly,
  onChange,
}: {
  group: PermissionGroup;
  selected: ReadonlySet<string>;
  held: ReadonlySet<string>;
  readOnly: boolean;
  onChange?: (next: Set<string>) => void;
}) {
  const headingId = useId();
  const selectAllId = useId();
  const names = group.permissions.map((p) => p.name);
  const chosen = names.filter((n) => selected.has(n)).length;
  const selectable = names.filter((n) => held.has(n));
  const allSelectableChosen = selectable.length > 0 && selectable.every((n) => selected.has(n));
  const someChosen = selectable.some((n) => selected.has(n));

  function toggleAll(checked: boolean) {
    if (!onChange) return;
    const next = new Set(selected);
    for (const n of selectable) {
      if (checked) next.add(n);
      else next.delete(n);
    }
    onChange(next);
  }

  function toggle(name: string, checked: boolean) {
    if (!onChange) return;
    const next = new Set(selected);
    if (checked) next.add(name);
    else next.delete(name);
    onChange(next);
  }

  return (
    <div role="group" aria-labelledby={headingId} className="grid gap-2 px-4 py-3">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <h3 id={headingId} className="text-[13px] font-semibold text-foreground">
          {group.label}
        </h3>
        <span className="text-xs text-muted-foreground tabular-nums">
          {chosen} of {names.length} {readOnly ? 'granted' : 'selected'}
        </span>
        {readOnly ? null : (
          <div className="ml-auto flex items-center gap-2">
            <input
              id={selectAllId}
              type="checkbox"
              checked={allSelectableChosen}
              disabled={selectable.length === 0}
              ref={(el) => {
                if (el) el.indeterminate = someChosen && !allSelectableChosen;
              }}
              onChange={(e) => toggleAll(e.target.checked)}
              className="size-4 cursor-pointer accent-primary disabled:cursor-not-allowed"
            />
            <label
              htmlFor={selectAllId}
              className="cursor-pointer text-xs text-muted-foreground select-none hover:text-foreground"
            >
              Select all<span className="sr-only"> in {group.label}</span>
            </label>
          </div>
        )}
      </div>
      <ul className="grid gap-x-6 gap-y-0.5 sm:grid-cols-2">
        {group.permissions.map((permission) => (
          <li key={permission.name} className="min-w-0">
            {readOnly ? (
              <GrantedRow permission={permission} granted={selected.has(permission.name)} />
            ) : (
              <PermissionCheckbox
                permission={permission}
                checked={selected.has(permission.name)}
                held={held.has(permission.name)}
                onChange={(checked) => toggle(permission.name, checked)}
              />
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function PermissionText({ permission, muted }: { permission: CatalogPermission; muted?: boolean }) {
  return (
    <span className="grid min-w-0">
      <span className={cn('text-[13px]', muted ? 'text-muted-foreground' : 'text-foreground')}>{permission.description}</span>
      <span className="truncate font-mono text-xs text-muted-foreground">{permission.name}</span>
    </span>
  );
}

function PermissionCheckbox({
  permission,
  checked,
  held,
  onChange,
}: {
  permission: CatalogPermission;
  checked: boolean;
  held: boolean;
  onChange: (checked: boolean) => void;
}) {
  const id = useId();
  const row = (
    <label
      htmlFor={id}
      className={cn(
        'flex items-start gap-2.5 rounded-md px-2 py-1.5',
        held ? 'cursor-pointer hover:bg-hover/60' : 'cursor-not-allowed',
      )}
    >
      <input
        id={id}
        type="checkbox"
        checked={checked}
        disabled={!held}
        onChange={(e) => onChange(e.target.checked)}
        className="mt-0.5 size-4 shrink-0 cursor-pointer accent-primary disabled:cursor-not-allowed disabled:opacity-50"
      />
      <PermissionText permission={permission} muted={!held} />
      {held ? null : (
        // Focusable, so keyboard users get the same hint as the pointer.
        <span
          tabIndex={0}
          className="ml-auto inline-flex size-5 shrink-0 items-center justify-center rounded text-muted-foreground focus-visible:outline-2 focus-visible:outline-ring"
        >
          <Lock className="size-3.5" aria-hidden="true" />
          <span className="sr-only">{NOT_HELD_HINT}</span>
        </span>
      )}
    </label>
  );
  return held ? row : <Tooltip content={NOT_HELD_HINT}>{row}</Tooltip>;
}

function GrantedRow({ permission, granted }: { permission: CatalogPermission; granted: boolean }) {
  const Icon = granted ? Check : Minus;
  return (
    <div className="flex items-start gap-2.5 px-2 py-1.5">
      <Icon
        className={cn('mt-0.5 size-4 shrink-0', granted ? 'text-success-text' : 'text-muted-foreground/60')}
        aria-hidden="true"
      />
      <span className="sr-only">{granted ? 'Granted: ' : 'Not granted: '}</span>
      <PermissionText permission={permission} muted={!granted} />
    </div>
  );
}
