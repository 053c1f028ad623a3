// The `batchgate` command line: with no command it serves (`--role all|api|worker`); the client
// commands talk to a running gateway over its REST API. Exit codes: 0 done (a followed batch
// completed), 1 the batch failed, expired or was cancelled, 2 usage error or a request the
// gateway refused as invalid, 3 gateway unreachable or key refused, 130 Ctrl-C while watching.
import { Command, CommanderError, Option } from 'commander';
import { cancelCommand } from './commands/cancel.js';
import { downloadCommand } from './commands/download.js';
import { listCommand } from './commands/list.js';
import { retryCommand } from './commands/retry.js';
import { statusCommand } from './commands/status.js';
import { submitCommand } from './commands/submit.js';
import { watchCommand } from './commands/watch.js';
import { CliError, EXIT } from './errors.js';

/** Runs the command in `argv` (process.argv form); resolves with its exit code, or null after serving started. */
export async function runCli(argv: string[], serve: () => Promise<void>): Promise<number | null> {
  let code: number | null = null;
  const done = (exitCode: number) => {
    code = exitCode;
  };
  const program = new Command('batchgate')
    .description('Self-hosted, OpenAI-compatible Batch API gateway. With no command: serve it.')
    .addOption(
      new Option('--role <role>', 'serve: which parts run (also BATCHGATE_ROLE)').choices(['all', 'api', 'worker']),
    )
    .exitOverride()
    .allowExcessArguments()
    .action(async (_options: unknown, command: Command) => {
      const [unknown] = command.args;
      if (unknown !== undefined) command.error(`error: unknown command '${unknown}' (see batchgate --help)`);
      await serve();
    });
  program.addHelpText(
    'after',
    '\nClient commands talk to a running gateway: --url (or BATCHGATE_URL), --key (or BATCHGATE_API_KEY).\n' +
      'Run `batchgate <command> --help` for one command.',
  );
  for (const register of [
    submitCommand,
    statusCommand,
    listCommand,
    watchCommand,
    cancelCommand,
    retryCommand,
    downloadCommand,
  ]) {
    register(program, done);
  }
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are exits with code 0; every other parse error is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`batchgate: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
