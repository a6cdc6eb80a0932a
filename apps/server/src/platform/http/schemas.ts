import { Type, type Static, type TSchema } from 'typebox';

export const Uuid = Type.String({ format: 'uuid' });
export const Timestamp = Type.String({ format: 'date-time' });

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      field: Type.Optional(Type.String()),
    }),
  },
  { $id: 'ErrorBody' },
);

/** Query string of every list route (api.md "Lists"); unknown parameters are a 400. */
export const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    sort: Type.Optional(
      Type.Union([Type.Literal('name'), Type.Literal('-name'), Type.Literal('created_at'), Type.Literal('-created_at')]),
    ),
    q: Type.Optional(Type.String({ maxLength: 200 })),
    include_deleted: Type.Optional(Type.Boolean()),
    include_total: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

export const ListOf = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
    total: Type.Optional(Type.Integer()),
  });

/** The error responses a route may give, for OpenAPI. */
export const errorResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, Type.Ref('ErrorBody')]));
