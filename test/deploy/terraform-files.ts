import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';

/** A Terraform interpolation as hcl2json renders it: hcl('var.environment') is "${var.environment}". */
export const hcl = (expression: string): string => `\${${expression}}`;

export const TERRAFORM_DIR = fileURLToPath(new URL('../../infra/terraform/', import.meta.url));

// hcl2json renders every block as an array of bodies; these are its JSON shapes.
export type Body = Record<string, unknown>;

export interface TerraformModule {
  /** type → name → body (each resource declared once). */
  resources: Record<string, Record<string, Body>>;
  data: Record<string, Record<string, Body>>;
  variables: Record<string, Body>;
  locals: Record<string, unknown>;
  outputs: Record<string, Body>;
  /** All .tf text, for reference checks. */
  text: string;
}

function mergeNamed(into: Record<string, Record<string, Body>>, section: unknown, file: string): void {
  for (const [type, byName] of Object.entries((section ?? {}) as Record<string, Record<string, Body[]>>)) {
    into[type] ??= {};
    for (const [name, bodies] of Object.entries(byName)) {
      if (into[type][name]) throw new Error(`${type}.${name} declared twice (${file})`);
      into[type][name] = bodies[0]!;
    }
  }
}

/** Parses every .tf file of infra/terraform into one module view. */
export async function loadTerraform(): Promise<TerraformModule> {
  const module: TerraformModule = {
    resources: {},
    data: {},
    variables: {},
    locals: {},
    outputs: {},
    text: '',
  };
  const files = readdirSync(TERRAFORM_DIR)
    .filter((f) => f.endsWith('.tf'))
    .sort();
  for (const file of files) {
    const text = readFileSync(join(TERRAFORM_DIR, file), 'utf8');
    module.text += `${text}\n`;
    const json = (await parse(file, text)) as Record<string, unknown>;
    mergeNamed(module.resources, json.resource, file);
    mergeNamed(module.data, json.data, file);
    for (const [name, bodies] of Object.entries((json.variable ?? {}) as Record<string, Body[]>)) {
      module.variables[name] = bodies[0]!;
    }
    for (const [name, bodies] of Object.entries((json.output ?? {}) as Record<string, Body[]>)) {
      module.outputs[name] = bodies[0]!;
    }
    for (const block of (json.locals ?? []) as Body[]) Object.assign(module.locals, block);
  }
  return module;
}

export async function loadTfvars(environment: string): Promise<Record<string, unknown>> {
  const file = `environments/${environment}.tfvars`;
  return (await parse(file, readFileSync(join(TERRAFORM_DIR, file), 'utf8'))) as Record<string, unknown>;
}

/** The first body of a nested block (`block(resource, 'template', 'containers')`). */
export function block(body: Body, ...path: string[]): Body {
  let at: Body = body;
  for (const key of path) {
    const next = at[key];
    if (!Array.isArray(next) || next.length === 0) throw new Error(`no block ${path.join('.')} (at ${key})`);
    at = next[0] as Body;
  }
  return at;
}

/** Every `env` entry of a container, static or from `dynamic "env"` blocks (their content). */
export function containerEnv(container: Body): Array<{ body: Body; forEach?: unknown }> {
  const direct = ((container.env ?? []) as Body[]).map((body) => ({ body }));
  const dynamic = (((container.dynamic as Body | undefined)?.env ?? []) as Body[]).map((d) => ({
    body: ((d.content as Body[]) ?? [])[0]!,
    forEach: d.for_each,
  }));
  return [...direct, ...dynamic];
}
