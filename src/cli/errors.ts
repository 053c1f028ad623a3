// The CLI's exit codes and the error that carries one to the top.
export const EXIT = {
  /** The command did what it was asked; for a batch followed to its end: it completed. */
  ok: 0,
  /** The batch failed, expired or was cancelled. */
  batchUnsuccessful: 1,
  /** Wrong arguments, or a request the gateway refused as invalid (unknown id, conflict…). */
  usage: 2,
  /** The gateway cannot be reached, refuses the key, or cannot answer. */
  unreachable: 3,
  /** Ctrl-C while following a batch (which keeps running). */
  interrupted: 130,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
