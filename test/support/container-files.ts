// Reading the container files without a Docker engine: Dockerfile instructions by stage (with
// line continuations and ARG defaults applied), and Compose's variable interpolation.

export interface Instruction {
  keyword: string;
  /** The text after the keyword, continuations joined. */
  args: string;
  /** Exec form (`["node", "x.js"]`) parsed, else undefined. */
  exec: string[] | undefined;
}

export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

function parseInstruction(line: string): Instruction {
  const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
  let exec: string[] | undefined;
  if (args.startsWith('[')) {
    try {
      exec = JSON.parse(args) as string[];
    } catch {
      exec = undefined;
    }
  }
  return { keyword: keyword.toUpperCase(), args, exec };
}

export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && current === '')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push((current + line).trim());
    current = '';
  }
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const instruction = parseInstruction(line);
    if (instruction.keyword === 'ARG' && stages.length === 0) {
      const [name = '', value = ''] = instruction.args.split('=');
      args.set(name, value);
    } else if (instruction.keyword === 'FROM') {
      const [image = '', , name] = instruction.args
        .replace(/\$\{(\w+)\}/g, (_, arg: string) => args.get(arg) ?? '')
        .split(/\s+/);
      stages.push({ from: image, name, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** `KEY=value` pairs of ENV instructions (the `ENV a=1 b=2` form). */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.keyword === 'ENV'))
    for (const [, key, value] of i.args.matchAll(/(\w+)=(\S+)/g)) env[key!] = value!;
  return env;
}

/**
 * Compose interpolation of `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}` and
 * `${VAR?error}` in every string of a parsed file; throws the error message of a required variable.
 */
export function interpolate<T>(value: T, env: Record<string, string>): T {
  if (typeof value === 'string') {
    return value.replace(
      /\$\{(\w+)(?:(:?)([-?])([^}]*))?\}/g,
      (_, name: string, colon: string, op: string, rest: string) => {
        const set = colon ? Boolean(env[name]) : env[name] !== undefined;
        if (set) return env[name]!;
        if (op === '?') throw new Error(`${name}: ${rest}`);
        return op === '-' ? rest : '';
      },
    ) as T;
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)])) as T;
  return value;
}
