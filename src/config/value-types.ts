import { z } from 'zod';

/** What a variable accepts, in a form the docs and .env.example can describe. */
export type VariableKind =
  | { readonly type: 'boolean' }
  | { readonly type: 'integer'; readonly min: number; readonly max: number; readonly unit?: string }
  | {
      readonly type: 'enum';
      readonly values: readonly string[];
      readonly aliases?: Readonly<Record<string, string>>;
    }
  /** A free-form value whose accepted shape is told in words (`form`), e.g. a URL or a list. */
  | { readonly type: 'string' | 'url' | 'list' | 'storage-uri'; readonly form: string };

/** A variable's kind together with the zod schema that parses its (trimmed, non-empty) text. */
export interface VariableType<T> {
  readonly kind: VariableKind;
  readonly schema: z.ZodType<T, string>;
}

export type Checked<T> = { readonly value: T } | { readonly error: string };

/**
 * A zod schema around a hand-written check, for rules zod has no primitive for. The error text
 * must never contain the input: load.ts decides whether the value may be shown.
 */
export function checkedBy<T>(check: (text: string) => Checked<T>): z.ZodType<T, string> {
  return z.string().transform((text, ctx) => {
    const result = check(text);
    if ('error' in result) {
      ctx.addIssue(result.error);
      return z.NEVER;
    }
    return result.value;
  });
}

/** The contract's spellings only: `y`, `enabled` and friends are typos worth reporting. */
const TRUTHY = ['true', '1', 'yes', 'on'];
const FALSY = ['false', '0', 'no', 'off'];
/** In the contract's order: true/false/1/0/yes/no/on/off. */
export const BOOLEAN_SPELLINGS: readonly string[] = TRUTHY.flatMap((truthy, i) => [truthy, FALSY[i]!]);

export function booleanType(): VariableType<boolean> {
  return {
    kind: { type: 'boolean' },
    schema: z.stringbool({
      truthy: TRUTHY,
      falsy: FALSY,
      case: 'insensitive',
      error: `expected a boolean (${BOOLEAN_SPELLINGS.join('/')})`,
    }),
  };
}

export function integerType(min: number, max: number, unit?: string): VariableType<number> {
  const range = `an integer from ${min} to ${max}${unit ? ` (${unit})` : ''}`;
  return {
    kind: unit ? { type: 'integer', min, max, unit } : { type: 'integer', min, max },
    schema: z
      .string()
      .regex(/^[+-]?\d+$/, { error: `expected ${range}` })
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .min(min, { error: `expected ${range}` })
          .max(max, { error: `expected ${range}` }),
      ),
  };
}

/** Case-insensitive; `aliases` map other spellings onto a canonical value. */
export function enumType<const V extends readonly [string, ...string[]]>(
  values: V,
  aliases?: Readonly<Record<string, V[number]>>,
): VariableType<V[number]> {
  const aliasText = aliases ? ` (or ${Object.keys(aliases).join(', ')})` : '';
  return {
    kind: aliases ? { type: 'enum', values, aliases } : { type: 'enum', values },
    schema: z
      .string()
      .transform((text) => {
        const lower = text.toLowerCase();
        return aliases?.[lower] ?? lower;
      })
      .pipe(z.enum(values, { error: `expected one of ${values.join(', ')}${aliasText}` })),
  };
}

/** A string matching `pattern`; `form` says in words what is accepted. */
export function patternType(
  type: 'string' | 'list',
  form: string,
  pattern: RegExp,
  extraCheck?: (text: string) => string | undefined,
): VariableType<string> {
  return {
    kind: { type, form },
    schema: checkedBy<string>((text) => {
      if (!pattern.test(text)) return { error: `expected ${form}` };
      const problem = extraCheck?.(text);
      return problem ? { error: problem } : { value: text };
    }),
  };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for a loopback host name, where only this machine can answer plain http. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

/**
 * The shapes of GitHub and Slack credentials (`ghp_…`, `github_pat_…`, `xoxb-…`): refused anywhere
 * in a URL variable, its path included, since a URL is shown in places a secret is not.
 */
const CREDENTIAL_SHAPE = /(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]{8,}|xox[abposr]-[A-Za-z0-9-]{8,}/;

/**
 * Whether a URL variable's text may be shown back (in `check`, in a refusal): not when it has
 * user info, a query, a fragment or a credential's shape anywhere, since any of them may hold a
 * secret. Such a value is named, never shown.
 */
export function mayShowUrlText(text: string): boolean {
  return !/[@?#]/.test(text) && !CREDENTIAL_SHAPE.test(decodeURIComponentSafe(text));
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * An absolute URL. `https` is required unless `allowHttp` is set; plain http is always accepted
 * for loopback hosts, where the test stand-ins for Slack and GitHub listen. Credentials are
 * refused anywhere (user info, or a token's shape in the path); queries and fragments where they
 * make no sense. Errors never repeat the URL.
 */
export function urlType(opts: {
  form: string;
  allowHttp: boolean;
  allowQuery: boolean;
  trimTrailingSlash: boolean;
}): VariableType<string> {
  return {
    kind: { type: 'url', form: opts.form },
    schema: checkedBy<string>((text) => {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        return { error: `expected ${opts.form}` };
      }
      const httpOk = opts.allowHttp || isLoopbackHost(url.hostname);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && httpOk)) {
        return { error: `expected ${opts.form}` };
      }
      if (url.username || url.password || CREDENTIAL_SHAPE.test(decodeURIComponentSafe(text))) {
        return { error: 'a URL with credentials in it is not accepted' };
      }
      if (!opts.allowQuery && (url.search || url.hash)) {
        return { error: 'a URL with a query or fragment is not accepted' };
      }
      const href = url.href;
      return { value: opts.trimTrailingSlash ? href.replace(/\/+$/, '') : href };
    }),
  };
}
