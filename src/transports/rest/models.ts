// /v1/models (OpenAI list) and /v1/model-config (prices in cents per million tokens).
import type { FastifyInstance } from 'fastify';
import { listModels } from '../../domain/models/list-models.js';
import type { AppContext } from '../context.js';
import { toModelConfigEntry, toOpenAIModel } from './serialize.js';

export function modelRoutes(app: FastifyInstance, { deps, configLoadedAt }: AppContext): void {
  app.get('/models', async () => ({
    object: 'list',
    data: listModels(deps).map((m) => toOpenAIModel(m, configLoadedAt)),
  }));

  app.get('/model-config', async () => ({
    active_models: listModels(deps).map((m) => toModelConfigEntry(m, configLoadedAt)),
  }));
}
