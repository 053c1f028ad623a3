// The Upload scalar of the GraphQL multipart request spec: graphql-upload-minimal puts an
// `Upload` where the file variable was; the resolver receives the promise of the file stream.
import { GraphQLError } from 'graphql';
import { Upload as UploadValue } from 'graphql-upload-minimal';
import { builder } from '../builder.js';

export const Upload = builder.scalarType('Upload', {
  description:
    'A file sent with the GraphQL multipart request spec (https://github.com/jaydenseric/graphql-multipart-request-spec).',
  serialize: () => {
    throw new GraphQLError('Upload is an input-only scalar.');
  },
  parseValue: (value) => {
    if (value instanceof UploadValue) return value.promise;
    throw new GraphQLError('Upload must be a file sent as a multipart request (GraphQL multipart request spec).');
  },
  parseLiteral: () => {
    throw new GraphQLError('Upload cannot be a literal: send the file as a multipart request variable.');
  },
});
