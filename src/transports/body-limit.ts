// The cap on JSON request bodies, every face alike: 1 MB. Larger content travels as an upload
// (multipart, streamed into storage) or as REST's streamed inline batch requests.
export const JSON_BODY_LIMIT_BYTES = 1 << 20;
