import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, request } from '../../api/client';
import type { Page } from '../../api/client';

/* Custom fields (DEV9): defined per partner on organizations, sites and devices; scripts read them as variables. */

export const FIELD_ENTITIES = ['organization', 'site', 'device'] as const;
export type FieldEntity = (typeof FIELD_ENTITIES)[number];

export const FIELD_TYPES = ['text', 'number', 'boolean', 'date', 'choice'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const ENTITY_LABELS: Record<FieldEntity, string> = { organization: 'Organization', site: 'Site', device: 'Device' };
export const FIELD_TYPE_LABELS: Record<FieldType, string> = {
  text: 'Text',
  number: 'Number',
  boolean: 'Yes / no',
  date: 'Date',
  choice: 'Choice',
};

export const FIELD_NAME = /^[a-z][a-z0-9_]{0,62}$/;

export type FieldValue = string | number | boolean | null;

export interface FieldDefinition {
  id: string;
  entity: FieldEntity;
  name: string;
  label: string;
  type: FieldType;
  choices: string[];
  default_value: FieldValue;
  description: string;
  position: number;
  version: number;
  created_at?: string;
}

export type FieldDefinitionInput = Pick<
  FieldDefinition,
  'entity' | 'name' | 'label' | 'type' | 'choices' | 'default_value' | 'description'
> & {
  position?: number;
};

export interface FieldValueRow {
  field: FieldDefinition;
  value: FieldValue;
}

export const customFieldKeys = {
  definitions: (partnerId: string) => ['custom-fields', partnerId, 'definitions'] as const,
  values: (partnerId: string, entity: FieldEntity, entityId: string) =>
    ['custom-fields', partnerId, 'values', entity, entityId] as const,
};

const definitionsPath = (partnerId: string) => `/partners/${encodeURIComponent(partnerId)}/custom-fields`;
const valuesPath = (partnerId: string) => `/partners/${encodeURIComponent(partnerId)}/custom-field-values`;

export function useFieldDefinitions(partnerId: string) {
  return useQuery({
    queryKey: customFieldKeys.definitions(partnerId),
    queryFn: async ({ signal }) => {
      const answer = await api.get<FieldDefinition[] | Page<FieldDefinition>>(definitionsPath(partnerId), undefined, signal);
      const items = Array.isArray(answer) ? answer : answer.items;
      return [...items].sort(
        (a, b) => a.entity.localeCompare(b.entity) || a.position - b.position || a.label.localeCompare(b.label),
      );
    },
  });
}

export function useFieldValues(partnerId: string, entity: FieldEntity, entityId: string) {
  return useQuery({
    queryKey: customFieldKeys.values(partnerId, entity, entityId),
    queryFn: async ({ signal }) => {
      const answer = await api.get<FieldValueRow[] | { items: FieldValueRow[] }>(
        valuesPath(partnerId),
        { entity, entity_id: entityId },
        signal,
      );
      return Array.isArray(answer) ? answer : answer.items;
    },
  });
}

function useInvalidateFields(partnerId: string) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ['custom-fields', partnerId] });
}

export function useCreateField(partnerId: string) {
  const invalidate = useInvalidateFields(partnerId);
  return useMutation({
    mutationFn: (input: FieldDefinitionInput) => api.post<FieldDefinition>(definitionsPath(partnerId), input),
    onSuccess: () => invalidate(),
  });
}

export function useUpdateField(partnerId: string) {
  const invalidate = useInvalidateFields(partnerId);
  return useMutation({
    mutationFn: ({ id, ...body }: Partial<FieldDefinitionInput> & { id: string; version: number }) =>
      api.patch<FieldDefinition>(`${definitionsPath(partnerId)}/${encodeURIComponent(id)}`, body),
    onSuccess: () => invalidate(),
  });
}

export function useDeleteField(partnerId: string) {
  const invalidate = useInvalidateFields(partnerId);
  return useMutation({
    mutationFn: (field: Pick<FieldDefinition, 'id'>) =>
      api.delete(`${definitionsPath(partnerId)}/${encodeURIComponent(field.id)}`),
    onSuccess: () => invalidate(),
  });
}

export function useSaveFieldValues(partnerId: string, entity: FieldEntity, entityId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (values: Record<string, FieldValue>) =>
      (await request<unknown>(valuesPath(partnerId), { method: 'PUT', body: { entity, entity_id: entityId, values } })).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: customFieldKeys.values(partnerId, entity, entityId) }),
  });
}

/** A value as a person reads it. */
export function fieldValueText(field: Pick<FieldDefinition, 'type'>, value: FieldValue): string {
  if (value === null || value === undefined || value === '') return '';
  if (field.type === 'boolean') return value === true || value === 'true' ? 'Yes' : 'No';
  if (field.type === 'date' && typeof value === 'string') {
    const d = new Date(`${value.slice(0, 10)}T00:00:00`);
    return Number.isNaN(d.getTime()) ? value : d.toLocaleDateString(undefined, { dateStyle: 'medium' });
  }
  return String(value);
}
