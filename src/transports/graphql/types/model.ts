// Model: a configured model with its provider, prices and descriptive fields (from the config file).
import type { ModelInfo } from '../../../domain/models/list-models.js';
import { builder } from '../builder.js';

export const Model = builder.objectRef<ModelInfo>('Model').implement({
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The name a request line uses as `body.model`.' }),
    provider: t.exposeString('provider'),
    description: t.exposeString('description', { nullable: true }),
    status: t.exposeString('status', { description: '`active`, `mock`, or as configured.' }),
    inputPricePerMillion: t.exposeFloat('inputPricePerMillion', { description: 'USD per million input tokens.' }),
    cachedInputPricePerMillion: t.exposeFloat('cachedInputPricePerMillion', {
      description: "USD per million input tokens read from the provider's prompt cache.",
    }),
    outputPricePerMillion: t.exposeFloat('outputPricePerMillion', { description: 'USD per million output tokens.' }),
    contextLength: t.exposeInt('contextLength', { nullable: true }),
    displayOrder: t.exposeInt('displayOrder', { nullable: true }),
    numParametersBillions: t.exposeFloat('numParametersBillions', { nullable: true }),
    numExperts: t.exposeInt('numExperts', { nullable: true }),
    licenseUrl: t.exposeString('licenseUrl', { nullable: true }),
  }),
});
