// FileConnection / FileEdge: a Relay page of files, newest first.
import { builder } from '../builder.js';
import { File } from './file.js';

export const FileConnection = builder.connectionObject({ type: File, name: 'FileConnection' }, { name: 'FileEdge' });
