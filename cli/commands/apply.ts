import type { Command } from 'commander';
import type { ApplyReply } from '../../agent/src/api/admin-messages.js';
import { invalidInput } from '../cli-failure.js';
import { readConfigFile } from '../read-config-file.js';
import { renderConfigErrors } from '../render/config-errors-text.js';
import { formatOutput, outputOption, type OutputFormat } from '../render/output-format.js';
import { renderPlan } from '../render/plan-text.js';
import { print, runWithClient, settle } from '../run-command.js';

/** `clusterctl apply -f FILE [--dry-run]`: replace the declared configuration. */
export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('check a configuration file and make it the cluster configuration')
    .requiredOption('-f, --filename <file>', 'the YAML configuration (- for standard input)')
    .option('--dry-run', 'only show what the cluster would do; change nothing')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
The file replaces the whole declared configuration (resources, groups, clones,
constraints, properties). Before anything changes the leader plans from the current state
and prints what will happen, one line per change (Start, Stop, Move, Recover, Restart).
A file with errors changes nothing: each is printed as file:line:col and clusterctl exits 2.
Applying the same configuration again changes nothing ("unchanged").

Examples:
  clusterctl apply -f cluster.yaml --dry-run
  clusterctl apply -f cluster.yaml
  clusterctl apply -f cluster.yaml -o json`,
    )
    .action(
      async (opts: { filename: string; dryRun?: boolean; output: OutputFormat }, cmd: Command) => {
        const file = readConfigFile(opts.filename);
        if (!file.ok) return settle(file);
        const { text, name } = file.value;
        return runWithClient(cmd, async (client) => {
          const reply = await client.call<ApplyReply>('Apply', {
            yaml: text,
            fileName: name,
            dryRun: opts.dryRun === true,
          });
          if (!reply.ok) return reply;
          const r = reply.value;
          if (opts.output !== 'table') print(formatOutput(opts.output, r, () => ''));
          if (!r.ok) {
            if (opts.output === 'table') process.stderr.write(`${renderConfigErrors(r.errors)}\n`);
            return invalidInput(`${name} is not valid; nothing was applied`);
          }
          if (opts.output === 'table') print(applyText(r, name));
          return reply;
        });
      },
    );
}

function applyText(r: ApplyReply, name: string): string {
  const fp = r.fingerprint.slice(0, 12);
  if (r.dryRun) {
    const also = r.unchanged ? ` (the same as configuration version ${r.configVersion})` : '';
    return renderPlan(r.plan, `Dry run of ${name}${also}: nothing was changed. The cluster would:`);
  }
  if (r.unchanged)
    return `${name} is unchanged from configuration version ${r.configVersion} (fingerprint ${fp}): nothing applied`;
  return renderPlan(
    r.plan,
    `${name} applied: configuration version ${r.configVersion} (fingerprint ${fp}). Planned:`,
  );
}
