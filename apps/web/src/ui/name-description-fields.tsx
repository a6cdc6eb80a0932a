import { Field } from './field';
import { Input, Textarea } from './input';

export interface NameDescriptionFieldsProps {
  /** "site" gives the fields the ids `site-name` and `site-description`. */
  idPrefix: string;
  name: string;
  onNameChange: (name: string) => void;
  nameError?: string | null;
  namePlaceholder: string;
  description: string;
  onDescriptionChange: (description: string) => void;
  descriptionError?: string | null;
  descriptionPlaceholder: string;
}

/** The Name and optional Description fields of a create/edit form. */
export function NameDescriptionFields({
  idPrefix,
  name,
  onNameChange,
  nameError,
  namePlaceholder,
  description,
  onDescriptionChange,
  descriptionError,
  descriptionPlaceholder,
}: NameDescriptionFieldsProps) {
  return (
    <>
      <Field id={`${idPrefix}-name`} label="Name" error={nameError}>
        {(control) => (
          <Input
            {...control}
            autoFocus
            autoComplete="off"
            value={name}
            maxLength={200}
            onChange={(e) => onNameChange(e.target.value)}
            placeholder={namePlaceholder}
          />
        )}
      </Field>
      <Field id={`${idPrefix}-description`} label="Description" optional error={descriptionError}>
        {(control) => (
          <Textarea
            {...control}
            value={description}
            maxLength={2000}
            onChange={(e) => onDescriptionChange(e.target.value)}
            placeholder={descriptionPlaceholder}
          />
        )}
      </Field>
    </>
  );
}
