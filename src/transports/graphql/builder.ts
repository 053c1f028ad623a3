// The one Pothos schema builder: relay (connections) and dataloader (batched linked objects)
// plugins, the context type and the custom scalars' TypeScript shapes. Types register themselves
// on it from types/; schema.ts assembles the schema.
import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin from '@pothos/plugin-relay';
import type { FileUpload } from 'graphql-upload-minimal';
import type { GraphQLContext } from './context.js';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    ID: { Input: string; Output: string };
    /** Domain objects carry unix seconds; the wire format is ISO 8601. */
    DateTime: { Input: Date; Output: number | Date };
    JSON: { Input: unknown; Output: unknown };
    Upload: { Input: Promise<FileUpload>; Output: never };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  plugins: [RelayPlugin, DataloaderPlugin],
  // Fields are non-null unless they say otherwise.
  defaultFieldNullability: false,
  relay: {
    // The contract has no Node interface: ids are the object ids, as on REST and tRPC.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
  },
});
