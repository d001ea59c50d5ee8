import type { MessagePublisher } from '../pubsub/message-publisher.js';
import { progressLine } from './progress.js';
import { purgeDeadLetters } from './purge.js';
import {
  capNote,
  letterLabel,
  listToJson,
  renderListText,
  renderStatsText,
  type ScanContext,
  statsToJson,
  terminalSafe,
} from './render.js';
import { replayDeadLetters } from './replay.js';
import type { HeldScan } from './scan.js';
import { type DeadLetterFilter, selectDeadLetters, unmatchedIds } from './select.js';
import { computeStats } from './stats.js';

/** Where a dlq action writes; stderr gets progress and problems, stdout the result. */
export interface DlqOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export function showStats(scan: HeldScan, ctx: ScanContext, out: DlqOutput, json: boolean): number {
  const stats = computeStats(scan.letters);
  out.stdout(json ? `${JSON.stringify(statsToJson(stats, ctx), null, 2)}\n` : renderStatsText(stats, ctx));
  return 0;
}

export function showList(
  scan: HeldScan,
  ctx: ScanContext,
  out: DlqOutput,
  opts: { readonly filter: DeadLetterFilter; readonly limit: number; readonly json: boolean },
): number {
  const shown = selectDeadLetters(scan.letters, opts.filter, ctx.now).slice(0, opts.limit);
  const scanned = scan.letters.length;
  out.stdout(
    opts.json
      ? `${JSON.stringify(listToJson(shown, ctx, scanned), null, 2)}\n`
      : renderListText(shown, ctx, scanned),
  );
  return 0;
}

export interface ActOptions {
  /** Empty with `all`: every scanned dead letter. */
  readonly filter: DeadLetterFilter;
  readonly dryRun: boolean;
  /** Standard error is a terminal: draw a counting line there (nothing when piped). */
  readonly progressTTY: boolean;
  readonly signal?: AbortSignal;
}

/** Exit 0 when every chosen dead letter was replayed; 1 when any was refused, failed or an --id matched nothing. */
export async function replayChosen(
  scan: HeldScan,
  ctx: ScanContext,
  out: DlqOutput,
  topic: MessagePublisher,
  opts: ActOptions,
): Promise<number> {
  const chosen = selectDeadLetters(scan.letters, opts.filter, ctx.now);
  const missing = reportGaps(scan, ctx, opts.filter, out);
  const line = progressLine(out.stderr, opts.dryRun ? 'replay (dry run)' : 'replay', opts.progressTTY);
  const report = await replayDeadLetters(
    chosen,
    { topic, ack: (letters) => scan.ack(letters) },
    { dryRun: opts.dryRun, onProgress: (handled, total) => line.update(handled, total), signal: opts.signal },
  ).finally(() => line.end());
  const would = opts.dryRun ? 'would ' : '';
  for (const { letter, messageId } of report.replayed) {
    out.stdout(`${would}replay ${letterLabel(letter)}${messageId ? ` as ${messageId}` : ''}\n`);
  }
  for (const { letter, reason, detail } of report.refused) {
    out.stdout(`${would}refuse ${letterLabel(letter)}: still ${reason}: ${terminalSafe(detail, 300)}\n`);
  }
  for (const { letter, error } of report.failed) out.stderr(`failed ${letterLabel(letter)}: ${error}\n`);
  const stopped = stoppedNote(
    opts.signal,
    chosen.length,
    report.replayed.length + report.refused.length + report.failed.length,
  );
  out.stdout(
    opts.dryRun
      ? `dry run: would replay ${report.replayed.length}, would refuse ${report.refused.length}; nothing was changed\n`
      : `replayed ${report.replayed.length}, refused ${report.refused.length}, failed ${report.failed.length}${stopped}\n`,
  );
  return report.refused.length > 0 || report.failed.length > 0 || missing > 0 || stopped !== '' ? 1 : 0;
}

/** Exit 0 when everything chosen was purged (or, in a dry run, listed); 1 when declined or anything failed. */
export async function purgeChosen(
  scan: HeldScan,
  ctx: ScanContext,
  out: DlqOutput,
  confirm: (question: string) => Promise<boolean>,
  opts: ActOptions & { readonly yes: boolean },
): Promise<number> {
  const chosen = selectDeadLetters(scan.letters, opts.filter, ctx.now);
  const missing = reportGaps(scan, ctx, opts.filter, out);
  if (chosen.length === 0) {
    out.stdout('no dead letter matches; nothing was purged\n');
    return missing > 0 ? 1 : 0;
  }
  if (opts.dryRun) {
    for (const letter of chosen) out.stdout(`would purge ${letterLabel(letter)}\n`);
    out.stdout(`dry run: would purge ${chosen.length}; nothing was changed\n`);
    return missing > 0 ? 1 : 0;
  }
  const byReason = computeStats(chosen)
    .byReason.map(([reason, count]) => `${terminalSafe(reason, 40)} ${count}`)
    .join(', ');
  const question = `Purge ${chosen.length} dead letter(s) (${byReason}) from ${ctx.subscription} for good? [y/N] `;
  if (!opts.yes && !(await confirm(question))) {
    out.stderr('not confirmed; nothing was purged\n');
    return 1;
  }
  const line = progressLine(out.stderr, 'purge', opts.progressTTY);
  const report = await purgeDeadLetters(chosen, (letters) => scan.ack(letters), {
    onProgress: (handled, total) => line.update(handled, total),
    signal: opts.signal,
  }).finally(() => line.end());
  for (const { letters, error } of report.failed)
    out.stderr(`failed to purge ${letters} dead letter(s): ${error}\n`);
  const failed = report.failed.reduce((sum, f) => sum + f.letters, 0);
  const stopped = stoppedNote(opts.signal, chosen.length, report.purged + failed);
  out.stdout(`purged ${report.purged}, failed ${failed}${stopped}\n`);
  return failed > 0 || missing > 0 || stopped !== '' ? 1 : 0;
}

/** What this run leaves out: the rest of a capped backlog (run again for it) and --id values nothing matched. */
function reportGaps(scan: HeldScan, ctx: ScanContext, filter: DeadLetterFilter, out: DlqOutput): number {
  const note = capNote(ctx);
  if (note) out.stderr(`${note}: only scanned ones are handled; run the command again for the rest\n`);
  const missing = unmatchedIds(scan.letters, filter.ids ?? []);
  for (const id of missing) out.stderr(`no dead letter matches --id ${terminalSafe(id, 128)}\n`);
  return missing.length;
}

function stoppedNote(signal: AbortSignal | undefined, chosen: number, handled: number): string {
  return signal?.aborted && handled < chosen ? `; stopped early, ${chosen - handled} not handled` : '';
}
