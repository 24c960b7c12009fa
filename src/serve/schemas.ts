/** JSON schemas shared by routes: they document the API in /openapi.json and speed up serialisation. */

export const ERROR_SCHEMA = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object', additionalProperties: true } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

export const OIP_TENSOR = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    shape: { type: 'array', items: { type: 'integer' } },
    datatype: { type: 'string' },
    data: { type: 'array', items: { type: 'number' } },
  },
  required: ['name', 'shape', 'datatype', 'data'],
} as const;
